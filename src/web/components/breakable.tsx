/**
 * Text (an id, a permission) that may wrap only after `:`, `.` or `/` — a
 * <wbr> at each — so a narrow column never shows it one letter per line.
 * Each piece is escaped (ids and permissions come from manifests).
 */
export function Breakable({ text, class: cls = "" }: { text: string; class?: string }) {
  const parts = text.split(/(?<=[:./])/);
  return (
    <span class={`breakable ${cls}`.trim()}>
      {parts.map((part, i) => (
        <>
          {i > 0 ? <wbr /> : ""}
          <span safe>{part}</span>
        </>
      ))}
    </span>
  );
}
