// Behaviour for the admin UI, written for Alpine's CSP build: every component
// is registered here with Alpine.data and templates only name properties and
// methods (no inline expressions, no eval; the CSP forbids both).
// Loaded before alpine-csp.js (both deferred), so this listener is in place
// when Alpine starts.
document.addEventListener("alpine:init", () => {
  const Alpine = window.Alpine;

  // App shell: the navigation drawer on narrow screens.
  Alpine.data("shell", () => ({
    open: false,
    get shellClass() {
      return this.open ? "shell nav-open" : "shell";
    },
    toggle() {
      this.open = !this.open;
    },
  }));

  // Agents filter form: submit when a select changes; "/" focuses the search box.
  Alpine.data("filters", () => ({
    init() {
      this.onKey = (e) => {
        const t = e.target;
        const typing = t instanceof HTMLElement && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName));
        if (e.key === "/" && !typing && this.$refs.search) {
          e.preventDefault();
          this.$refs.search.focus();
        }
      };
      document.addEventListener("keydown", this.onKey);
    },
    destroy() {
      document.removeEventListener("keydown", this.onKey);
    },
    submit() {
      this.$root.requestSubmit();
    },
  }));

  // Copy the text of the element marked x-ref="source" (e.g. the manifest JSON).
  Alpine.data("copyBox", () => ({
    label: "Copy",
    async copy() {
      const text = this.$refs.source ? this.$refs.source.textContent : "";
      try {
        await navigator.clipboard.writeText(text);
        this.label = "Copied";
      } catch {
        this.label = "Copy failed";
      }
      setTimeout(() => {
        this.label = "Copy";
      }, 1600);
    },
  }));
});
