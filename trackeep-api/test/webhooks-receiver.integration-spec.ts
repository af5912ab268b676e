import { sign } from '@octokit/webhooks-methods';
import { createTestDatabase, type TestDatabase } from '@trackeep/testing';
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import net from 'node:net';
import { API_TEMPLATE_DB } from './support/test-app';
import {
  Db,
  GLOBAL_SECRET,
  httpRequest,
  postWebhook,
  pushPayload,
  seedHook,
  seedTrackedRepo,
  seedUser,
  startApi,
  storedBody,
  waitFor,
  waitForInboxIdle,
  type RunningApi,
  type SeededRepo,
} from './webhooks-support';

const WEBHOOK = '/api/v1/webhooks/github';
/** Marker placed in payloads: error bodies must never echo it back. */
const MARKER = 'payload-marker-7c1d';

describe('POST /api/v1/webhooks/github', () => {
  let database: TestDatabase;
  let api: RunningApi;
  let db: Db;
  let repo: SeededRepo;
  let ipCounter = 1;
  /** A distinct client address per test (the test client is a trusted proxy), so the bad-signature limiter never leaks between tests. */
  const nextIp = () => `203.0.113.${ipCounter++}`;

  beforeAll(async () => {
    database = await createTestDatabase(API_TEMPLATE_DB);
    api = await startApi(database.url, {
      WEBHOOK_BAD_SIGNATURE_LIMIT: '5',
      WEBHOOK_SECRET_PREVIOUS: "It's a Secret to Everybody",
      TRUSTED_PROXIES: '127.0.0.1/32',
    });
    db = await Db.connect(database.url);
    const userId = await seedUser(db, api.app, { login: 'monalisa' });
    repo = await seedTrackedRepo(db, api.app, userId, { githubId: 4242, fullName: 'octo/receiver' });
  });
  afterAll(async () => {
    await db.end();
    await api.close();
    await database.drop();
  });

  const stored = async (deliveryId: string) =>
    (await db.rows('SELECT * FROM webhook_deliveries WHERE delivery_id = $1', [deliveryId]))[0];

  async function signedRequest(
    overrides: { headers?: Record<string, string | undefined>; body?: string } = {},
  ) {
    const id = randomUUID();
    const body = overrides.body ?? JSON.stringify({ ...pushPayload(repo), note: MARKER });
    const res = await httpRequest(`${api.url}${WEBHOOK}`, {
      method: 'POST',
      body,
      headers: {
        'content-type': 'application/json',
        'x-github-event': 'push',
        'x-github-delivery': id,
        'x-hub-signature-256': body ? await sign(GLOBAL_SECRET, body) : `sha256=${'d'.repeat(64)}`,
        'x-forwarded-for': nextIp(),
        ...overrides.headers,
      },
    });
    return { id, res };
  }

  it('stores a correctly signed delivery and answers 202 with its id', async () => {
    const { id, res } = await signedRequest();
    expect(res.status).toBe(202);
    expect(res.json()).toEqual({ deliveryId: id, duplicate: false });
    const row = await stored(id);
    expect(row).toMatchObject({
      event: 'push',
      signed_with: 'global',
      repo_id: repo.id,
      repo_github_id: '4242',
    });
  });

  it('verifies the GitHub docs test vector ("Hello, World!" signed with "It\'s a Secret to Everybody")', async () => {
    // The docs secret is configured as WEBHOOK_SECRET_PREVIOUS: the vector verifies, then fails only because
    // "Hello, World!" is not a JSON object (400, not 401); one changed byte fails verification.
    const signature = 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17';
    const ok = await signedRequest({ body: 'Hello, World!', headers: { 'x-hub-signature-256': signature } });
    expect(ok.res.status).toBe(400);
    expect(ok.res.json()['message']).toBe('The body is not a JSON object');
    const upper = await signedRequest({
      body: 'Hello, World!',
      headers: { 'x-hub-signature-256': `sha256=${signature.slice(7).toUpperCase()}` },
    });
    expect(upper.res.status).toBe(400);
    const changed = await signedRequest({
      body: 'Hello, World?',
      headers: { 'x-hub-signature-256': signature },
    });
    expect(changed.res.status).toBe(401);
  });

  describe('the attack list: rejected, nothing stored, never a 5xx, payload never echoed', () => {
    const cases: Array<[string, number, Record<string, string | undefined>]> = [
      ['wrong content type (form)', 415, { 'content-type': 'application/x-www-form-urlencoded' }],
      ['wrong content type (text)', 415, { 'content-type': 'text/plain' }],
      ['no content type', 415, { 'content-type': undefined }],
      ['gzip-compressed body', 415, { 'content-encoding': 'gzip' }],
      ['missing X-GitHub-Event', 400, { 'x-github-event': undefined }],
      ['missing X-GitHub-Delivery', 400, { 'x-github-delivery': undefined }],
      ['missing signature', 400, { 'x-hub-signature-256': undefined }],
      ['an event name that is not one', 400, { 'x-github-event': '../../etc' }],
      ['a delivery id that is not one', 400, { 'x-github-delivery': "1' OR '1'='1" }],
      ['"sha256=" with no digest', 401, { 'x-hub-signature-256': 'sha256=' }],
      ['"sha256=zz"', 401, { 'x-hub-signature-256': 'sha256=zz' }],
      ['a digest of the wrong length', 401, { 'x-hub-signature-256': `sha256=${'a'.repeat(63)}` }],
      ['a digest that is not hex', 401, { 'x-hub-signature-256': `sha256=${'g'.repeat(64)}` }],
      ['another algorithm prefix', 401, { 'x-hub-signature-256': `sha1=${'a'.repeat(64)}` }],
      [
        'the legacy sha1 signature only',
        401,
        { 'x-hub-signature-256': undefined, 'x-hub-signature': `sha1=${'a'.repeat(40)}` },
      ],
      ['a well-formed but wrong digest', 401, { 'x-hub-signature-256': `sha256=${'0'.repeat(64)}` }],
    ];

    it.each(cases)('%s → %d', async (_name, status, headers) => {
      const before = await db.one<{ n: number }>('SELECT count(*)::int AS n FROM webhook_deliveries');
      const { id, res } = await signedRequest({ headers });
      expect(res.status).toBe(status);
      expect(res.json()).toMatchObject({ statusCode: status, message: expect.any(String) });
      expect(res.text).not.toContain(MARKER);
      expect(await stored(id)).toBeUndefined();
      expect(await db.one('SELECT count(*)::int AS n FROM webhook_deliveries')).toEqual(before);
    });

    it('a signature made with another secret → 401', async () => {
      const body = JSON.stringify(pushPayload(repo));
      const { id, res } = await signedRequest({
        body,
        headers: { 'x-hub-signature-256': await sign('not-the-secret-at-all', body) },
      });
      expect(res.status).toBe(401);
      expect(await stored(id)).toBeUndefined();
    });

    it('a valid signature over a different body (tampered payload) → 401', async () => {
      const original = JSON.stringify(pushPayload(repo));
      const tampered = original.replace('"forced":false', '"forced":true');
      const { id, res } = await signedRequest({
        body: tampered,
        headers: { 'x-hub-signature-256': await sign(GLOBAL_SECRET, original) },
      });
      expect(res.status).toBe(401);
      expect(await stored(id)).toBeUndefined();
    });

    it('a correctly signed body that is not a JSON object → 400, not stored', async () => {
      for (const body of ['Hello, World!', '[1,2,3]', '"text"', '{"unterminated":']) {
        const { id, res } = await signedRequest({ body });
        expect(res.status).toBe(400);
        expect(await stored(id)).toBeUndefined();
      }
    });

    it('an empty body → 400', async () => {
      const { res } = await signedRequest({
        body: '',
        headers: { 'x-hub-signature-256': `sha256=${'d'.repeat(64)}` },
      });
      expect(res.status).toBe(400);
      expect(res.json()['message']).toBe('Empty webhook body');
    });

    it('writes nothing to the log that contains the payload or the signature', async () => {
      const { res } = await signedRequest({ headers: { 'x-hub-signature-256': `sha256=${'b'.repeat(64)}` } });
      expect(res.status).toBe(401);
      expect(api.logs.join('\n')).not.toContain(MARKER);
      expect(api.logs.join('\n')).not.toContain('b'.repeat(64));
    });
  });

  it('answers 413 from Content-Length alone, before the body is sent', async () => {
    const res = await new Promise<{ status: number; sentBytes: number }>((resolve, reject) => {
      const req = http.request(`${api.url}${WEBHOOK}`, {
        method: 'POST',
        agent: false,
        headers: {
          'content-type': 'application/json',
          'content-length': String(26 * 1024 * 1024),
          'x-github-event': 'push',
          'x-github-delivery': randomUUID(),
          'x-hub-signature-256': `sha256=${'a'.repeat(64)}`,
          'x-forwarded-for': nextIp(),
        },
      });
      req.on('response', (r) => {
        r.resume();
        resolve({ status: r.statusCode ?? 0, sentBytes: req.socket?.bytesWritten ?? 0 });
        req.destroy();
      });
      req.on('error', reject);
      req.flushHeaders(); // headers only; the body never comes
    });
    expect(res.status).toBe(413);
    expect(res.sentBytes).toBeLessThan(4096);
  });

  it('answers 413 to an oversized chunked upload as soon as it passes 25 MB, and stops reading', async () => {
    // A raw socket, so what the server sends is seen even if it cuts the connection under the writer.
    const { port } = new URL(api.url);
    const socket = net.connect(Number(port), '127.0.0.1');
    await new Promise((r) => socket.once('connect', r));
    let received = '';
    socket.on('data', (d: Buffer) => (received += d.toString('latin1')));
    socket.on('error', () => undefined); // EPIPE/ECONNRESET once the server gives up on us
    socket.write(
      [
        `POST ${WEBHOOK} HTTP/1.1`,
        'Host: 127.0.0.1',
        'Content-Type: application/json',
        'Transfer-Encoding: chunked',
        'X-GitHub-Event: push',
        `X-GitHub-Delivery: ${randomUUID()}`,
        `X-Hub-Signature-256: sha256=${'a'.repeat(64)}`,
        `X-Forwarded-For: ${nextIp()}`,
        '',
        '',
      ].join('\r\n'),
    );
    const chunk = Buffer.concat([
      Buffer.from(`100000\r\n`),
      Buffer.alloc(0x100000, 'a'),
      Buffer.from('\r\n'),
    ]);
    let sent = 0;
    // An uploader that wants to send 100 MB as fast as the connection takes it.
    while (sent < 100 * 1024 * 1024 && !socket.destroyed && !received.includes('\r\n\r\n')) {
      sent += 0x100000;
      if (!socket.write(chunk))
        await new Promise((r) => {
          socket.once('drain', r);
          socket.once('close', r);
        });
    }
    await waitFor('the answer', async () => received.includes('25 MB') || socket.destroyed, 5_000);
    socket.destroy();
    expect(received).toMatch(/^HTTP\/1\.1 413 /);
    expect(received).toContain('Webhook bodies are limited to 25 MB');
    // The server answered at the limit: the client never got to push the 100 MB it wanted to.
    expect(sent).toBeLessThan(60 * 1024 * 1024);
  });

  it('accepts a body just under 25 MB', async () => {
    const big = { ...pushPayload(repo), filler: 'x'.repeat(24 * 1024 * 1024) };
    const { id, res } = await signedRequest({ body: JSON.stringify(big) });
    expect(res.status).toBe(202);
    expect(await stored(id)).toBeDefined();
  });

  it('answers 2xx to a duplicate delivery (GitHub redelivery reuses the id) and processes it once', async () => {
    const payload = pushPayload(repo, { commits: 2 });
    const id = randomUUID();
    const first = await postWebhook(api.url, { event: 'push', payload, id });
    const again = await Promise.all(
      [1, 2, 3].map(() => postWebhook(api.url, { event: 'push', payload, id })),
    );
    expect(first.status).toBe(202);
    expect(first.json()).toMatchObject({ duplicate: false });
    for (const res of again) expect(res.json()).toMatchObject({ deliveryId: id, duplicate: true });
    await waitForInboxIdle(db);
    expect(
      await db.rows('SELECT status, applied_count FROM webhook_deliveries WHERE delivery_id = $1', [id]),
    ).toEqual([{ status: 'processed', applied_count: 1 }]);
    expect(
      await db.rows(`SELECT 1 FROM activity_events WHERE dedupe_key = $1`, [
        `push:${payload['after'] as string}`,
      ]),
    ).toHaveLength(1);
  });

  it('answers 429 with Retry-After once a source sends too many bad signatures, without blocking others or its signed deliveries', async () => {
    const attacker = nextIp();
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++)
      statuses.push(
        (
          await signedRequest({
            headers: { 'x-forwarded-for': attacker, 'x-hub-signature-256': `sha256=${'c'.repeat(64)}` },
          })
        ).res.status,
      );
    expect(statuses.slice(0, 6)).toEqual([401, 401, 401, 401, 401, 401]);
    expect(statuses[6]).toBe(429);
    const again = await signedRequest({
      headers: { 'x-forwarded-for': attacker, 'x-hub-signature-256': `sha256=${'c'.repeat(64)}` },
    });
    expect(again.res.status).toBe(429);
    expect(Number(again.res.headers['retry-after'])).toBeGreaterThan(0);
    // A correctly signed delivery is never refused, whatever its address did before.
    expect((await signedRequest({ headers: { 'x-forwarded-for': attacker } })).res.status).toBe(202);
    expect((await signedRequest()).res.status).toBe(202);
  });

  it('verifies with the per-repo hook secret, and with the previous one during rotation', async () => {
    const hooked = await seedTrackedRepo(db, api.app, null, { githubId: 5151, fullName: 'octo/hooked' });
    await seedHook(db, api.app, hooked.id, 9001, 'current-hook-secret-123456', 'previous-hook-secret-123456');
    const payload = pushPayload(hooked);
    const current = await postWebhook(api.url, {
      event: 'push',
      payload,
      hookId: 9001,
      secret: 'current-hook-secret-123456',
    });
    const previous = await postWebhook(api.url, {
      event: 'push',
      payload,
      hookId: 9001,
      secret: 'previous-hook-secret-123456',
    });
    const wrong = await postWebhook(api.url, {
      event: 'push',
      payload,
      hookId: 9001,
      secret: 'some-other-secret-12345678',
      headers: { 'x-forwarded-for': nextIp() },
    });
    expect([current.status, previous.status, wrong.status]).toEqual([202, 202, 401]);
    const rows = await db.rows<{ signed_with: string }>(
      'SELECT signed_with FROM webhook_deliveries WHERE delivery_id = ANY($1) ORDER BY received_at',
      [[current.json()['deliveryId'], previous.json()['deliveryId']]],
    );
    expect(rows.map((r) => r.signed_with).sort()).toEqual(['hook', 'hook_previous']);
  });

  it('finds the secret of a hook whose id is not stored yet (GitHub pings a new hook at once) by its repository', async () => {
    const fresh = await seedTrackedRepo(db, api.app, null, { githubId: 5252, fullName: 'octo/fresh' });
    await seedHook(db, api.app, fresh.id, 9002, 'fresh-hook-secret-1234567');
    await db.rows('UPDATE webhook_registrations SET hook_id = NULL, status = $2 WHERE repo_id = $1', [
      fresh.id,
      'pending',
    ]);
    const ping = {
      zen: 'Keep it logically awesome.',
      hook_id: 777,
      hook: { id: 777, type: 'Repository' },
      repository: { id: 5252, full_name: 'octo/fresh' },
    };
    const res = await postWebhook(api.url, {
      event: 'ping',
      payload: ping,
      hookId: 777,
      secret: 'fresh-hook-secret-1234567',
    });
    expect(res.status).toBe(202);
    await waitForInboxIdle(db);
    expect(
      await db.one('SELECT status, hook_id FROM webhook_registrations WHERE repo_id = $1', [fresh.id]),
    ).toEqual({ status: 'active', hook_id: '777' });
  });

  it('stores, but never applies, a delivery signed by the hook of a different repository', async () => {
    const a = await seedTrackedRepo(db, api.app, null, { githubId: 6161, fullName: 'octo/a' });
    await seedHook(db, api.app, a.id, 9003, 'repo-a-hook-secret-12345');
    const payload = pushPayload(repo); // claims to be about `repo`, signed with a's secret
    const res = await postWebhook(api.url, {
      event: 'push',
      payload,
      hookId: 9003,
      secret: 'repo-a-hook-secret-12345',
    });
    expect(res.status).toBe(202);
    const row = await stored(res.json()['deliveryId'] as string);
    expect(row).toMatchObject({
      status: 'ignored',
      ignored_reason: 'signed by the hook of another repository',
    });
  });

  it('stores a payload with a NUL escape byte-exact (valid JSON that jsonb refuses)', async () => {
    const body = JSON.stringify({ ...pushPayload(repo), note: 'nul:\u0000:end' });
    const res = await postWebhook(api.url, { event: 'push', payload: null, body });
    expect(res.status).toBe(202);
    const row = await storedBody(db, res.json()['deliveryId'] as string);
    expect(row.body.equals(Buffer.from(body, 'utf8'))).toBe(true);
  });

  it('is answered in front of Express: same path rules, measured under its own route, other methods reach Nest', async () => {
    // A trailing slash and a query string still reach the intake, whatever the case of the path.
    for (const path of [`${WEBHOOK}/`, `${WEBHOOK}?source=hookshot`, WEBHOOK.toUpperCase()]) {
      const body = JSON.stringify(pushPayload(repo));
      const res = await httpRequest(`${api.url}${path}`, {
        method: 'POST',
        body,
        headers: {
          'content-type': 'application/json',
          'x-github-event': 'push',
          'x-github-delivery': randomUUID(),
          'x-hub-signature-256': await sign(GLOBAL_SECRET, body),
          'x-forwarded-for': nextIp(),
        },
      });
      expect({ path, status: res.status }).toEqual({ path, status: 202 });
    }
    const below = await httpRequest(`${api.url}${WEBHOOK}/extra`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(below.status).toBe(404);
    const get = await httpRequest(`${api.url}${WEBHOOK}`, {});
    expect(get.status).toBe(404);
    expect(get.json()).toMatchObject({ statusCode: 404 });

    const metrics = (await httpRequest(`${api.url}/metrics`, {})).text;
    expect(metrics).toMatch(
      /http_request_duration_seconds_count\{[^}]*method="POST",route="\/api\/v1\/webhooks\/github",status_code="202"\} [1-9]/,
    );
  });

  it('keeps JSON parsing for every other route (a malformed JSON body elsewhere is a 400)', async () => {
    const res = await httpRequest(`${api.url}/api/v1/repos`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"broken":',
    });
    expect(res.status).toBe(400);
    expect(String(res.json()['message'])).toMatch(/JSON/);
  });

  it("answers every signed delivery well within GitHub's 10 s (200 in a row: all under 10 s, p95 under 1 s)", async () => {
    const times: number[] = [];
    for (let i = 0; i < 200; i++) {
      const t = performance.now();
      const res = await postWebhook(api.url, { event: 'push', payload: pushPayload(repo) });
      times.push(performance.now() - t);
      expect(res.status).toBe(202);
    }
    times.sort((a, b) => a - b);
    // Thresholds are loose on purpose: CI machines are shared; the benchmark measures latency properly.
    expect(times[times.length - 1]).toBeLessThan(10_000);
    expect(times[Math.floor(times.length * 0.95)]).toBeLessThan(1_000);
    await waitFor(
      'processing of the 200 deliveries',
      async () =>
        (
          await db.one<{ n: number }>(
            `SELECT count(*)::int AS n FROM webhook_deliveries WHERE status = 'pending'`,
          )
        ).n === 0,
    );
  });
});
