import type { Page } from '@trackeep/contracts';
import { Subject, of, type Observable } from 'rxjs';
import { PagedList, collectPages } from './paged-list';

interface Item {
  id: string;
  v?: number;
}

/** A fetch whose answers the test releases one by one. */
function controlledFetch() {
  const calls: { query: string; cursor: string | null; answer: Subject<Page<Item>> }[] = [];
  const fetch = (query: string, cursor: string | null): Observable<Page<Item>> => {
    const answer = new Subject<Page<Item>>();
    calls.push({ query, cursor, answer });
    return answer;
  };
  const reply = (index: number, page: Page<Item> | Error) => {
    const call = calls[index];
    if (!call) throw new Error(`no request number ${index} was made`);
    const { answer } = call;
    if (page instanceof Error) answer.error(page);
    else {
      answer.next(page);
      answer.complete();
    }
  };
  return { calls, fetch, reply };
}

const ids = (list: PagedList<Item, string>) => list.items().map((i) => i.id);

describe(PagedList.name, () => {
  it('loads the first page, then the next one with the cursor, and knows when it is done', async () => {
    const api = controlledFetch();
    const sut = new PagedList<Item, string>(api.fetch, (i) => i.id);
    const first = sut.reset('q');
    expect(sut.loading()).toBe(true);
    api.reply(0, { items: [{ id: 'a' }, { id: 'b' }], nextCursor: 'c1' });
    await first;
    expect(ids(sut)).toEqual(['a', 'b']);
    expect(sut.hasMore()).toBe(true);

    const more = sut.loadMore();
    expect(api.calls[1]).toMatchObject({ query: 'q', cursor: 'c1' });
    api.reply(1, { items: [{ id: 'c' }], nextCursor: null });
    await more;
    expect(ids(sut)).toEqual(['a', 'b', 'c']);
    expect(sut.hasMore()).toBe(false);
    await sut.loadMore();
    expect(api.calls).toHaveLength(2);
  });

  it('drops the answer of an outdated query when the filters changed meanwhile', async () => {
    const api = controlledFetch();
    const sut = new PagedList<Item, string>(api.fetch, (i) => i.id);
    const old = sut.reset('old');
    const current = sut.reset('new');
    api.reply(1, { items: [{ id: 'new-1' }], nextCursor: null });
    await current;
    api.reply(0, { items: [{ id: 'old-1' }], nextCursor: 'x' });
    await old;
    expect(ids(sut)).toEqual(['new-1']);
    expect(sut.hasMore()).toBe(false);
    expect(sut.loading()).toBe(false);
  });

  it('keeps what it has and reports the error when a page fails', async () => {
    const api = controlledFetch();
    const sut = new PagedList<Item, string>(api.fetch, (i) => i.id);
    const first = sut.reset('q');
    api.reply(0, { items: [{ id: 'a' }], nextCursor: 'c1' });
    await first;
    const more = sut.loadMore();
    api.reply(1, new Error('boom'));
    await more;
    expect(ids(sut)).toEqual(['a']);
    expect(sut.error()).toBe('boom');
    expect(sut.hasMore()).toBe(true);
  });

  it('puts live items on top once, ignoring duplicates', () => {
    const sut = new PagedList<Item, string>(
      () => of({ items: [], nextCursor: null }),
      (i) => i.id,
    );
    expect(sut.prepend({ id: 'x' })).toBe(true);
    expect(sut.prepend({ id: 'x' })).toBe(false);
    expect(ids(sut)).toEqual(['x']);
  });

  it('refreshes the head: replaces a first page, or adds new items on top of a deeper list', async () => {
    let head: Page<Item> = { items: [{ id: 'a', v: 1 }], nextCursor: null };
    const sut = new PagedList<Item, string>(
      (_q, cursor) => of(cursor ? { items: [{ id: 'z' }], nextCursor: null } : head),
      (i) => i.id,
    );
    await sut.reset('q');
    head = { items: [{ id: 'new' }, { id: 'a', v: 2 }], nextCursor: null };
    await expect(sut.refreshHead()).resolves.toEqual([{ id: 'new' }]);
    expect(sut.items()).toEqual([{ id: 'new' }, { id: 'a', v: 2 }]);

    // Deeper: two pages shown, the head grows by one; the older page stays.
    head = { items: [{ id: 'a' }], nextCursor: 'c1' };
    await sut.reset('q');
    await sut.loadMore();
    head = { items: [{ id: 'b' }], nextCursor: 'c1' };
    await sut.refreshHead();
    expect(ids(sut)).toEqual(['b', 'a', 'z']);
  });
});

describe(collectPages.name, () => {
  it('follows cursors up to the page limit and says whether more were left', async () => {
    const pages: Record<string, Page<number>> = {
      start: { items: [1, 2], nextCursor: 'p2' },
      p2: { items: [3], nextCursor: 'p3' },
    };
    const fetch = (cursor: string | null) => of(pages[cursor ?? 'start'] ?? { items: [], nextCursor: null });
    await expect(collectPages(fetch, 2)).resolves.toEqual({ items: [1, 2, 3], truncated: true });
    await expect(collectPages(fetch, 1)).resolves.toEqual({ items: [1, 2], truncated: true });
  });
});
