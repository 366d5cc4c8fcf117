import { useEffect } from 'react';

/** Sets the tab title ("EMB · Sessions · fairbeam") so history and bookmarks are readable. */
export function useDocumentTitle(...parts: (string | undefined)[]) {
  const title = [...parts.filter(Boolean), 'fairbeam'].join(' · ');
  useEffect(() => {
    document.title = title;
  }, [title]);
}
