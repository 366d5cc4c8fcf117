import type { PagedList } from '../api/hooks.ts';
import { formatCount, plural } from './format.ts';

/** "Showing 50 of 312 datasets" and a Load more button while the API returns a next cursor. */
export function LoadMore({ list, noun }: { list: PagedList<unknown>; noun: string }) {
  const n = list.items.length;
  const partial = list.hasMore || (list.total !== undefined && list.total > n);
  if (list.loading || list.items.length === 0) return null;
  return (
    <div className="load-more">
      <p className="muted small" data-testid="list-count" aria-live="polite">
        {partial
          ? `Showing ${formatCount(n)}${list.total !== undefined ? ` of ${plural(list.total, noun)}` : ` ${noun}s`}`
          : plural(n, noun)}
      </p>
      {list.hasMore && (
        <button
          type="button"
          className="button"
          onClick={list.loadMore}
          disabled={list.loadingMore}
          data-testid="load-more"
        >
          {list.loadingMore ? 'Loading…' : 'Load more'}
        </button>
      )}
    </div>
  );
}
