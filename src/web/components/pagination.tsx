/** Offset pagination ("1–50 of 312", previous/next) preserving the current filters. */
import { queryString } from "../render.ts";

export interface PaginationProps {
  path: string;
  total: number;
  /** `total` is a lower bound: shown as "1,000+". */
  totalCapped?: boolean;
  offset: number;
  limit: number;
  /** Current filters, carried into the links. */
  params: Record<string, string | number | undefined>;
}

export function Pagination({ path, total, totalCapped = false, offset, limit, params }: PaginationProps) {
  if (total === 0) return "";
  const first = offset + 1;
  const last = Math.min(offset + limit, total);
  const prev = offset > 0 ? `${path}${queryString({ ...params, offset: Math.max(0, offset - limit) || undefined })}` : null;
  const next = last < total || totalCapped ? `${path}${queryString({ ...params, offset: offset + limit })}` : null;
  return (
    <nav class="pagination" aria-label="Pagination">
      <span class="pagination-info" safe>{`${first}–${last} of ${totalCapped ? `${total.toLocaleString("en-US")}+` : total}`}</span>
      <span class="pagination-links">
        {prev ? <a class="button button-secondary button-small" href={prev} rel="prev">Previous</a> : <span class="button button-secondary button-small disabled" aria-disabled="true">Previous</span>}
        {next ? <a class="button button-secondary button-small" href={next} rel="next">Next</a> : <span class="button button-secondary button-small disabled" aria-disabled="true">Next</span>}
      </span>
    </nav>
  );
}

/** Cursor pagination for the audit log (newest first, `before` = last id seen). */
export function CursorPagination({ path, params, nextBefore, isFirstPage }: { path: string; params: Record<string, string | number | undefined>; nextBefore: number | null; isFirstPage: boolean }) {
  if (nextBefore === null && isFirstPage) return "";
  return (
    <nav class="pagination" aria-label="Pagination">
      <span class="pagination-info">{isFirstPage ? "Newest events" : "Older events"}</span>
      <span class="pagination-links">
        {isFirstPage ? <span class="button button-secondary button-small disabled" aria-disabled="true">Newest</span> : <a class="button button-secondary button-small" href={`${path}${queryString({ ...params, before: undefined })}`}>Newest</a>}
        {nextBefore !== null ? <a class="button button-secondary button-small" href={`${path}${queryString({ ...params, before: nextBefore })}`} rel="next">Older</a> : <span class="button button-secondary button-small disabled" aria-disabled="true">Older</span>}
      </span>
    </nav>
  );
}
