/** Icons for install / update / permission actions (static markup, same style as icons.tsx). */
const paths = {
  download: "M12 4v11m0 0l-4.5-4.5M12 15l4.5-4.5M5 19h14",
  upgrade: "M12 20V9m0 0l-4.5 4.5M12 9l4.5 4.5M5 5h14",
  power: "M12 3v8m6.36-5.36a9 9 0 11-12.72 0",
  pause: "M9 5v14m6-14v14",
  shield: "M12 3l7 3v5c0 4.5-3 8.3-7 10-4-1.7-7-5.5-7-10V6l7-3zm-3 9l2 2 4-4",
  trash: "M4 7h16M9 7V4h6v3m-8 0l1 13h8l1-13",
  plus: "M12 5v14M5 12h14",
  check: "M5 12.5l4.5 4.5L19 7",
  cross: "M6 6l12 12M18 6L6 18",
  commit: "M12 8a4 4 0 100 8 4 4 0 000-8zM3 12h5m8 0h5",
  terminal: "M4 5h16v14H4zM7.5 9.5l3 2.5-3 2.5M12.5 15h4",
  folder: "M3 7h6l2 2h10v10H3z",
  key: "M14 10a4 4 0 11-8 0 4 4 0 018 0zm-1 2l7 7m-3-3l2-2",
  sync: "M4 12a8 8 0 0114-5.3L20 9M20 4v5h-5M20 12a8 8 0 01-14 5.3L4 15m0 5v-5h5",
} as const;

export type InstallIconName = keyof typeof paths;

export function InstallIcon({ name, size = 18 }: { name: InstallIconName; size?: number }) {
  return (
    <svg class="icon" width={String(size)} height={String(size)} viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="1.8" stroke-linecap="round" stroke-linejoin="round" aria-hidden="true">
      <path d={paths[name]} />
    </svg>
  );
}
