import type { GithubSettings } from '../github/github-settings';
import type { DeliveryInboxRepository, InboxDelivery, InboxRow } from './delivery-inbox.repository';
import { DeliveryInboxService } from './delivery-inbox.service';

/** A store whose writes finish only when the test says so. */
function heldStore() {
  const writes: Array<{ ids: string[]; finish: () => void }> = [];
  const repo = {
    prepare: async (d: InboxDelivery): Promise<InboxRow> => ({
      ...d,
      body: { bytes: d.body, encoding: 'identity' },
    }),
    store: (_host: string, deliveries: InboxRow[]) =>
      new Promise((resolve) => {
        const ids = deliveries.map((d) => d.deliveryId);
        writes.push({ ids, finish: () => resolve(ids.map((id) => ({ delivery_id: id, inserted: true }))) });
      }),
  } as unknown as DeliveryInboxRepository;
  return { repo, writes };
}

const delivery = (n: number): InboxDelivery =>
  ({
    deliveryId: `d-${n}`,
    event: 'push',
    action: null,
    repoGithubId: 1,
    repoFullName: 'o/r',
    hookId: 1,
    installationId: null,
    signedWith: 'hook',
    signature: 'sha256=x',
    body: Buffer.from('{}'),
    status: 'pending',
  }) as InboxDelivery;

const settle = () => new Promise((r) => setImmediate(r));

describe('DeliveryInboxService burst detection (processing yields only to a real burst)', () => {
  const settings = { host: 'github.com' } as GithubSettings;

  it('steady traffic that the writes keep up with is not a burst', async () => {
    const { repo, writes } = heldStore();
    const inbox = new DeliveryInboxService(repo, settings);
    for (let n = 0; n < 60; n += 3) {
      // Live traffic: requests overlap a little (two writes under way, one request waiting for a slot).
      const stored = [inbox.add(delivery(n)), inbox.add(delivery(n + 1)), inbox.add(delivery(n + 2))];
      await settle();
      expect(inbox.isBusy()).toBe(false);
      while (writes.length) {
        writes.shift()!.finish();
        await settle();
      }
      await Promise.all(stored);
    }
  });

  it('requests piling up behind full write slots are a burst, over once they drain', async () => {
    const { repo, writes } = heldStore();
    const inbox = new DeliveryInboxService(repo, settings);
    const stored = Array.from({ length: 12 }, (_, n) => inbox.add(delivery(n)));
    await settle();
    expect(inbox.isBusy()).toBe(true);
    while (writes.length) {
      writes.shift()!.finish();
      await settle();
    }
    await Promise.all(stored);
    expect(inbox.isBusy(Date.now() + 1_000)).toBe(false);
  });
});
