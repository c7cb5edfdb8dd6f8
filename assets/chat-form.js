// A form generated from a tool's JSON input schema, for the chat page's
// "Call a tool" composer. Simple object schemas get one field per property
// (strings, numbers/integers as number inputs, booleans, enums; required fields marked);
// nested objects/arrays get a JSON box each, and schemas this cannot map
// (oneOf/anyOf/$ref/…) fall back to one JSON box for all arguments.
// `read()` validates in the browser and returns {ok, value} or {ok:false}
// with the messages shown inline under each field. The server checks the
// same schema again before anything is sent.
//
//   const form = osToolForm.build(container, schema)
//   const r = form.read()   // {ok: true, value} | {ok: false, errors}
//   form.showErrors({ "/text": "must be a string" })
//
// Everything is built with createElement/textContent (no HTML strings).
(() => {
  const COMPLEX = ["oneOf", "anyOf", "allOf", "$ref", "not", "if", "patternProperties", "dependentSchemas"];

  const el = (tag, attrs, ...children) => {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k === "text") e.textContent = v;
      else if (k === "className") e.className = v;
      else e.setAttribute(k, v === true ? "" : String(v));
    }
    for (const c of children) if (c) e.append(c);
    return e;
  };

  const isObj = (v) => v !== null && typeof v === "object" && !Array.isArray(v);

  function simpleType(s) {
    if (!isObj(s)) return "json";
    if (COMPLEX.some((k) => k in s)) return "json";
    if (Array.isArray(s.enum) && s.enum.length > 0 && s.enum.length <= 200 && s.enum.every((v) => v === null || ["string", "number", "boolean"].includes(typeof v))) return "enum";
    const t = Array.isArray(s.type) ? s.type.filter((x) => x !== "null") : [s.type];
    if (t.length !== 1) return "json";
    if (t[0] === "string") return "string";
    if (t[0] === "integer") return "integer";
    if (t[0] === "number") return "number";
    if (t[0] === "boolean") return "boolean";
    return "json";
  }

  /** Whether the schema is a plain object of properties this form can lay out. */
  function isSimpleObject(schema) {
    if (!isObj(schema)) return false;
    if (COMPLEX.some((k) => k in schema)) return false;
    if (schema.type !== undefined && schema.type !== "object") return false;
    return isObj(schema.properties) && Object.keys(schema.properties).length > 0 && Object.keys(schema.properties).length <= 60;
  }

  function typeHint(kind, s) {
    if (kind === "enum") return "one of";
    if (kind === "json") return Array.isArray(s && s.type) ? s.type.join(" | ") : (s && s.type) || "JSON";
    return kind;
  }

  function build(container, schema) {
    container.replaceChildren();
    const fields = [];
    const required = new Set(Array.isArray(schema && schema.required) ? schema.required : []);

    if (!isSimpleObject(schema)) {
      const noProps = isObj(schema) && (schema.type === "object" || schema.type === undefined) && !COMPLEX.some((k) => k in schema) && !isObj(schema.properties);
      if (noProps && schema.additionalProperties === false) {
        container.append(el("p", { className: "muted tool-noargs", text: "This tool takes no arguments." }));
        return api(fields, container);
      }
      const area = el("textarea", { className: "json-input", rows: 6, spellcheck: "false", "aria-label": "Arguments (JSON)", "data-field": "" });
      area.value = "{}";
      const err = el("p", { className: "field-error", hidden: true, role: "alert" });
      container.append(
        el(
          "div",
          { className: "tool-field tool-field-wide", "data-name": "" },
          el("span", { className: "field-label", text: "Arguments (JSON)" }),
          el("p", { className: "field-help muted", text: "This tool's input schema is too complex for a form: write the arguments as JSON." }),
          area,
          err,
        ),
      );
      fields.push({ name: "", kind: "whole", input: area, err, schema: schema || {} });
      return api(fields, container);
    }

    // Required fields first, then the rest, each group in the schema's order.
    const props = Object.entries(schema.properties);
    props.sort((a, b) => Number(required.has(b[0])) - Number(required.has(a[0])));
    for (const [name, s] of props) {
      const kind = simpleType(s);
      const req = required.has(name);
      const id = `tf-${Math.random().toString(36).slice(2, 9)}`;
      const label = el("label", { className: "field-label", for: id }, el("span", { className: "mono", text: name }), req ? el("span", { className: "req", text: "*", title: "required" }) : null, el("span", { className: "field-type", text: typeHint(kind, s) }));
      let input;
      if (kind === "enum") {
        input = el("select", { id, "data-field": name });
        if (!req) input.append(el("option", { value: "", text: "—" }));
        s.enum.forEach((v, i) => input.append(el("option", { value: String(i), text: v === null ? "null" : String(v) })));
        if ("default" in s) {
          const i = s.enum.findIndex((v) => v === s.default);
          if (i >= 0) input.value = String(i);
        }
      } else if (kind === "boolean") {
        input = el("input", { id, type: "checkbox", "data-field": name });
        input.checked = s.default === true;
      } else if (kind === "integer" || kind === "number") {
        // A real number input (spinner, numeric keyboard); the form is novalidate, so read() still checks and explains.
        input = el("input", { id, type: "number", step: kind === "integer" ? "1" : "any", min: typeof s.minimum === "number" ? s.minimum : null, max: typeof s.maximum === "number" ? s.maximum : null, autocomplete: "off", "data-field": name });
        if (typeof s.default === "number") input.value = String(s.default);
        const range = [typeof s.minimum === "number" ? `≥ ${s.minimum}` : "", typeof s.maximum === "number" ? `≤ ${s.maximum}` : ""].filter(Boolean).join(", ");
        if (range) input.placeholder = range;
      } else if (kind === "string") {
        const long = typeof s.maxLength !== "number" || s.maxLength > 200;
        input = long ? el("textarea", { id, rows: 2, "data-field": name, spellcheck: "false" }) : el("input", { id, type: "text", autocomplete: "off", "data-field": name });
        if (typeof s.default === "string") input.value = s.default;
      } else {
        input = el("textarea", { id, rows: 3, className: "json-input", spellcheck: "false", "data-field": name });
        input.placeholder = s && s.type === "array" ? "[ … ] (JSON)" : "{ … } (JSON)";
        if (s && "default" in s) input.value = JSON.stringify(s.default);
      }
      if (req) input.setAttribute("aria-required", "true");
      const err = el("p", { className: "field-error", hidden: true, role: "alert", id: `${id}-err` });
      input.setAttribute("aria-describedby", `${id}-err`);
      const help = s && typeof s.description === "string" ? el("p", { className: "field-help muted", text: s.description }) : null;
      const wrap = el("div", { className: `tool-field tool-field-${kind}`, "data-name": name }, kind === "boolean" ? el("div", { className: "check-row" }, input, label) : label, kind === "boolean" ? null : input, help, err);
      container.append(wrap);
      fields.push({ name, kind, input, err, schema: s || {}, required: req });
    }
    return api(fields, container);
  }

  function checkString(v, s) {
    if (typeof s.minLength === "number" && [...v].length < s.minLength) return `must be at least ${s.minLength} characters`;
    if (typeof s.maxLength === "number" && [...v].length > s.maxLength) return `must be at most ${s.maxLength} characters`;
    if (typeof s.pattern === "string") {
      try {
        if (!new RegExp(s.pattern, "u").test(v)) return `must match the pattern ${s.pattern}`;
      } catch {
        // a pattern the browser cannot compile: the server decides
      }
    }
    return null;
  }

  function checkNumber(n, s, integer) {
    if (!Number.isFinite(n)) return "must be a number";
    if (integer && !Number.isInteger(n)) return "must be a whole number";
    if (typeof s.minimum === "number" && n < s.minimum) return `must be ≥ ${s.minimum}`;
    if (typeof s.maximum === "number" && n > s.maximum) return `must be ≤ ${s.maximum}`;
    if (typeof s.exclusiveMinimum === "number" && n <= s.exclusiveMinimum) return `must be > ${s.exclusiveMinimum}`;
    if (typeof s.exclusiveMaximum === "number" && n >= s.exclusiveMaximum) return `must be < ${s.exclusiveMaximum}`;
    if (typeof s.multipleOf === "number" && s.multipleOf > 0 && Math.abs(n / s.multipleOf - Math.round(n / s.multipleOf)) > 1e-9) return `must be a multiple of ${s.multipleOf}`;
    return null;
  }

  function readField(f) {
    const s = f.schema;
    if (f.kind === "whole" || f.kind === "json") {
      const raw = f.input.value.trim();
      if (raw === "") return f.required ? { error: "is required" } : { skip: true };
      let v;
      try {
        v = JSON.parse(raw);
      } catch (e) {
        return { error: `is not valid JSON (${e.message})` };
      }
      if (f.kind === "whole" && !isObj(v)) return { error: "must be a JSON object, e.g. {}" };
      if (f.kind === "json" && s.type === "array" && !Array.isArray(v)) return { error: "must be a JSON array" };
      if (f.kind === "json" && s.type === "object" && !isObj(v)) return { error: "must be a JSON object" };
      return { value: v };
    }
    if (f.kind === "boolean") {
      if (!f.input.checked && !f.required && !("default" in s)) return { skip: true };
      return { value: f.input.checked };
    }
    if (f.kind === "enum") {
      if (f.input.value === "") return f.required ? { error: "is required" } : { skip: true };
      return { value: s.enum[Number(f.input.value)] };
    }
    const raw = f.input.value;
    if (f.kind === "string") {
      if (raw === "") return f.required ? { error: "is required" } : { skip: true };
      const e = checkString(raw, s);
      return e ? { error: e } : { value: raw };
    }
    const t = raw.trim();
    // A number input reports "" for text it cannot parse ("1e", "--2"): that is a wrong number, not a missing one.
    if (t === "" && f.input.validity && f.input.validity.badInput) return { error: "must be a number" };
    if (t === "") return f.required ? { error: "is required" } : { skip: true };
    const n = Number(t);
    const e = checkNumber(n, s, f.kind === "integer");
    return e ? { error: e } : { value: n };
  }

  function api(fields, container) {
    const setError = (f, msg) => {
      f.err.textContent = msg ? (f.name ? `${f.name}${msg.startsWith(":") ? "" : " "}${msg}` : msg.replace(/^: /, "")) : "";
      f.err.hidden = !msg;
      f.input.setAttribute("aria-invalid", msg ? "true" : "false");
      f.input.closest(".tool-field")?.classList.toggle("has-error", !!msg);
    };
    for (const f of fields) f.input.addEventListener("input", () => setError(f, ""));
    return {
      read() {
        const value = {};
        const errors = {};
        for (const f of fields) {
          const r = readField(f);
          setError(f, r.error || "");
          if (r.error) errors[f.name ? `/${f.name}` : "/"] = r.error;
          else if (!r.skip) {
            if (f.kind === "whole") Object.assign(value, r.value);
            else value[f.name] = r.value;
          }
        }
        const first = fields.find((f) => !f.err.hidden);
        if (first) first.input.focus();
        return Object.keys(errors).length ? { ok: false, errors } : { ok: true, value };
      },
      /** Server-side problems as {"/path": message}; returns whether any matched a field. */
      showErrors(map) {
        let matched = false;
        for (const [path, msg] of Object.entries(map)) {
          const name = path.replace(/^\//, "").split("/")[0];
          const f = fields.find((x) => x.name === name) || (fields.length === 1 && fields[0].kind === "whole" ? fields[0] : null);
          if (f) {
            setError(f, `: ${msg}`);
            matched = true;
          }
        }
        return matched;
      },
      clear() {
        for (const f of fields) setError(f, "");
      },
      get empty() {
        return fields.length === 0;
      },
      container,
    };
  }

  window.osToolForm = { build, isSimpleObject };
})();
