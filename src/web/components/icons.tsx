/** Inline SVG icons for every page (static markup, no user data). Stroke icons at 18px. */
const paths = {
  agents: "M12 3l8 4.5v9L12 21l-8-4.5v-9L12 3zm0 0v9m0 0l8-4.5M12 12l-8-4.5",
  registries: "M4 6h16M4 12h16M4 18h10",
  chat: "M4 5h16v11H8l-4 4V5z",
  audit: "M9 4h6l1 2h3v14H5V6h3l1-2zm-1 8l2.5 2.5L16 9",
  logs: "M5 4h14v16H5zM8 8h8M8 12h8M8 16h5",
  search: "M11 4a7 7 0 100 14 7 7 0 000-14zm9 16l-4.3-4.3",
  menu: "M4 7h16M4 12h16M4 17h16",
  logout: "M15 4h4v16h-4M10 8l-4 4 4 4M6 12h10",
  refresh: "M20 11a8 8 0 10-2.3 5.7M20 5v6h-6",
  copy: "M8 8h11v12H8zM5 16V4h11",
  arrowLeft: "M19 12H5m6-6l-6 6 6 6",
  empty: "M4 7l8-4 8 4v10l-8 4-8-4V7zm8 4v10M4 7l8 4 8-4",
  alert: "M12 4l9 16H3L12 4zm0 6v4m0 3v.01",
  lock: "M6 11h12v9H6zm3 0V8a3 3 0 016 0v3",
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
  play: "M7 5v14l12-7L7 5z",
  stop: "M7 7h10v10H7z",
  restart: "M20 11a8 8 0 10-2.3 5.7M20 5v6h-6",
  send: "M4 12l16-8-6 16-2.5-6.5L4 12zm7.5 1.5L20 4",
  cancel: "M12 3a9 9 0 100 18 9 9 0 000-18zM9 9l6 6m0-6l-6 6",
  pencil: "M4 20h4L19 9l-4-4L4 16v4zm9-13l4 4",
  tool: "M14.5 6.5a4 4 0 01-5.2 5.2L4 17l3 3 5.3-5.3a4 4 0 005.2-5.2l-2.5 2.5-2.5-.5-.5-2.5 2.5-2.5z",
  follow: "M12 4v14m0 0l-5-5m5 5l5-5M5 20h14",
  clear: "M5 6h14M8 6V4h8v2m-9 0l1 14h8l1-14",
  message: "M4 5h16v11H8l-4 4V5z",
  timeline: "M6 4v16M6 7h8m-8 5h12m-8 5h6",
  bolt: "M13 3L5 14h6l-1 7 8-11h-6l1-7z",
  user: "M12 12a4 4 0 100-8 4 4 0 000 8zm-7 8a7 7 0 0114 0",
  spark: "M12 3v4m0 10v4M3 12h4m10 0h4M6 6l2.5 2.5m7 7L18 18M6 18l2.5-2.5m7-7L18 6",
} as const;

export type IconName = keyof typeof paths;

export function Icon({ name, size = 18 }: { name: IconName; size?: number }) {
  return (
    <svg class="icon" width={String(size)} height={String(size)} viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="1.8" stroke-linecap="round" stroke-linejoin="round" aria-hidden="true">
      <path d={paths[name]} />
    </svg>
  );
}
