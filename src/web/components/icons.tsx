/** Inline SVG icons (static markup, no user data). Stroke icons at 18px. */
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
} as const;

export type IconName = keyof typeof paths;

export function Icon({ name, size = 18 }: { name: IconName; size?: number }) {
  return (
    <svg class="icon" width={String(size)} height={String(size)} viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="1.8" stroke-linecap="round" stroke-linejoin="round" aria-hidden="true">
      <path d={paths[name]} />
    </svg>
  );
}
