/** Turns rendered JSX into an HTML Response (security headers are added globally). */
export async function htmlResponse(el: JSX.Element, status = 200, headers: Record<string, string> = {}): Promise<Response> {
  return new Response(`<!doctype html>${await el}`, {
    status,
    headers: { "content-type": "text/html; charset=utf-8", ...headers },
  });
}

/** Query string from defined values, for pagination and filter links. */
export function queryString(values: Record<string, string | number | undefined | null>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(values)) if (v !== undefined && v !== null && v !== "") q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : "";
}

export const agentHref = (idOrKey: string) => `/agents/${encodeURIComponent(idOrKey)}`;
