/** Icons for the runtime panel, chat and logs (static markup, same style as icons.tsx). */
const paths = {
  play: "M7 5v14l12-7L7 5z",
  stop: "M7 7h10v10H7z",
  restart: "M20 11a8 8 0 10-2.3 5.7M20 5v6h-6",
  send: "M4 12l16-8-6 16-2.5-6.5L4 12zm7.5 1.5L20 4",
  cancel: "M12 3a9 9 0 100 18 9 9 0 000-18zM9 9l6 6m0-6l-6 6",
  plus: "M12 5v14M5 12h14",
  trash: "M4 7h16M9 7V4h6v3m-8 0l1 13h8l1-13",
  pencil: "M4 20h4L19 9l-4-4L4 16v4zm9-13l4 4",
  tool: "M14.5 6.5a4 4 0 01-5.2 5.2L4 17l3 3 5.3-5.3a4 4 0 005.2-5.2l-2.5 2.5-2.5-.5-.5-2.5 2.5-2.5z",
  pause: "M9 5v14m6-14v14",
  follow: "M12 4v14m0 0l-5-5m5 5l5-5M5 20h14",
  clear: "M5 6h14M8 6V4h8v2m-9 0l1 14h8l1-14",
  message: "M4 5h16v11H8l-4 4V5z",
  timeline: "M6 4v16M6 7h8m-8 5h12m-8 5h6",
  bolt: "M13 3L5 14h6l-1 7 8-11h-6l1-7z",
  user: "M12 12a4 4 0 100-8 4 4 0 000 8zm-7 8a7 7 0 0114 0",
  spark: "M12 3v4m0 10v4M3 12h4m10 0h4M6 6l2.5 2.5m7 7L18 18M6 18l2.5-2.5m7-7L18 6",
} as const;

export type LiveIconName = keyof typeof paths;

export function LiveIcon({ name, size = 18 }: { name: LiveIconName; size?: number }) {
  return (
    <svg class="icon" width={String(size)} height={String(size)} viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="1.8" stroke-linecap="round" stroke-linejoin="round" aria-hidden="true">
      <path d={paths[name]} />
    </svg>
  );
}
