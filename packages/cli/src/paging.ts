import type { Output } from "./output.js";

export interface Page<T> {
  items: T[];
  nextPageToken: string;
  /** Exact total over every page, when the server knows it. */
  total?: number;
}

/**
 * Fetches pages until there are no more or `limit` items were collected, drawing progress on
 * stderr when more than one page is needed.
 */
export async function collectPages<T>(
  out: Output,
  label: string,
  fetchPage: (pageToken: string) => Promise<Page<T>>,
  limit = Number.POSITIVE_INFINITY,
): Promise<T[]> {
  const items: T[] = [];
  const progress = out.progress(label);
  try {
    let token = "";
    for (;;) {
      const page = await fetchPage(token);
      items.push(...page.items);
      if (!page.nextPageToken || items.length >= limit) break;
      progress.update(items.length, page.total);
      token = page.nextPageToken;
    }
  } finally {
    progress.end();
  }
  return items.slice(0, limit);
}
