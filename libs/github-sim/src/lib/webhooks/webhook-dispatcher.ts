import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import type { StatsRecorder } from '../http/stats';
import type { Urls } from '../rest/serializers';
import type { SimDomainEvent } from '../world/domain-events';
import type { SimWorld } from '../world/sim-world';
import type { SimDelivery, SimHook, SimRepo } from '../world/world.types';
import { pingPayload, webhookFor, type WebhookMessage } from './webhook-payloads';

/**
 * GitHub's X-Hub-Signature-256: HMAC-SHA256 of the raw body, hex, prefixed "sha256=" (what @octokit/webhooks-methods
 * `sign` computes; the contract tests verify our signatures with it).
 */
export function signSha256(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

const USER_AGENT = `GitHub-Hookshot/${randomBytes(4).toString('hex').slice(0, 7)}`;
const TIMEOUT_MS = 10_000;
const MAX_PAYLOAD_BYTES = 25 * 1024 * 1024;
const MAX_RECORDED = 5000;

/**
 * Delivers webhooks like GitHub: one POST per subscribed active hook, signed with the hook secret
 * (X-Hub-Signature-256), 10 s timeout, no retries, every attempt recorded.
 */
export class WebhookDispatcher {
  private detach: (() => void) | null = null;

  constructor(
    private readonly world: SimWorld,
    private readonly stats: StatsRecorder,
    private readonly urls: () => Urls,
  ) {}

  attach(): void {
    this.detach = this.world.on((e) => this.onEvent(e));
  }

  stop(): void {
    this.detach?.();
  }

  /** Resolves once every delivery started so far has finished. */
  idle(): Promise<void> {
    return this.world.settled();
  }

  private async onEvent(e: SimDomainEvent): Promise<void> {
    if (!e.repo.hooks.length) return;
    const msg = webhookFor(this.world, this.urls(), e);
    if (!msg) return;
    const hooks = e.repo.hooks.filter(
      (h) => h.active && (h.events.includes('*') || h.events.includes(msg.event)),
    );
    await Promise.all(hooks.map((h) => this.deliver(e.repo, h, msg, false)));
  }

  ping(repo: SimRepo, hook: SimHook, senderId: number): Promise<SimDelivery> {
    return this.deliver(
      repo,
      hook,
      { event: 'ping', action: null, payload: pingPayload(this.world, this.urls(), repo, hook, senderId) },
      false,
    );
  }

  /** POST /hooks/{id}/tests: the latest push to the default branch, re-sent to this hook. */
  async testPush(repo: SimRepo, hook: SimHook, senderId: number): Promise<SimDelivery | null> {
    const tip = this.world.detail(repo).branches.get(repo.defaultBranch)?.tip;
    const c = tip ? this.world.graph(repo).get(tip) : undefined;
    if (!c) return null;
    const msg = webhookFor(this.world, this.urls(), {
      type: 'push',
      repo,
      senderId,
      ref: `refs/heads/${repo.defaultBranch}`,
      before: c.parents[0] ?? '0000000000000000000000000000000000000000',
      after: c.sha,
      commits: [c],
      created: false,
      deleted: false,
      forced: false,
    }) as WebhookMessage;
    return this.deliver(repo, hook, msg, false);
  }

  redeliver(repo: SimRepo, hook: SimHook, d: SimDelivery): Promise<SimDelivery> {
    return this.deliver(
      repo,
      hook,
      { event: d.event, action: d.action, payload: d.payload as Record<string, unknown> },
      true,
      d.guid,
    );
  }

  private deliver(
    repo: SimRepo,
    hook: SimHook,
    msg: WebhookMessage,
    redelivery: boolean,
    guid: string = randomUUID(),
  ): Promise<SimDelivery> {
    const p = this.send(repo, hook, msg, redelivery, guid);
    this.world.track(p);
    return p;
  }

  private async send(
    repo: SimRepo,
    hook: SimHook,
    msg: WebhookMessage,
    redelivery: boolean,
    guid: string,
  ): Promise<SimDelivery> {
    const json = JSON.stringify(msg.payload);
    const body = hook.config.content_type === 'form' ? `payload=${encodeURIComponent(json)}` : json;
    const headers: Record<string, string> = {
      Accept: '*/*',
      'Content-Type':
        hook.config.content_type === 'form' ? 'application/x-www-form-urlencoded' : 'application/json',
      'User-Agent': USER_AGENT,
      'X-GitHub-Delivery': guid,
      'X-GitHub-Event': msg.event,
      'X-GitHub-Hook-ID': String(hook.id),
      'X-GitHub-Hook-Installation-Target-ID': String(repo.id),
      'X-GitHub-Hook-Installation-Target-Type': 'repository',
    };
    if (hook.config.secret) {
      headers['X-Hub-Signature'] =
        `sha1=${createHmac('sha1', hook.config.secret).update(body).digest('hex')}`;
      headers['X-Hub-Signature-256'] = signSha256(hook.config.secret, body);
    }
    const delivery: SimDelivery = {
      id: this.world.nextId('delivery'),
      guid,
      hookId: hook.id,
      repoId: repo.id,
      event: msg.event,
      action: msg.action,
      deliveredAt: Date.now(),
      durationMs: 0,
      statusCode: 0,
      status: '',
      redelivery,
      requestHeaders: headers,
      payload: msg.payload,
      responseBody: '',
    };
    const started = performance.now();
    if (Buffer.byteLength(body) > MAX_PAYLOAD_BYTES) {
      delivery.status = 'payload too large (over 25 MB), not delivered';
    } else {
      try {
        const res = await fetch(hook.config.url, {
          method: 'POST',
          headers,
          body,
          redirect: 'manual',
          signal: AbortSignal.timeout(TIMEOUT_MS),
        });
        delivery.statusCode = res.status;
        delivery.status = res.ok ? 'OK' : `Invalid HTTP Response: ${res.status}`;
        delivery.responseBody = (await res.text().catch(() => '')).slice(0, 4096);
      } catch (err) {
        const name = (err as Error).name;
        delivery.status =
          name === 'TimeoutError' ? 'timed out' : `failed to connect to host (${(err as Error).message})`;
      }
    }
    delivery.durationMs = Math.round((performance.now() - started) * 1000) / 1000;
    const ok = delivery.statusCode >= 200 && delivery.statusCode < 300;
    hook.lastResponse = {
      code: delivery.statusCode || null,
      status: ok ? 'active' : 'failed',
      message: ok ? 'OK' : delivery.status,
    };
    this.stats.data.webhooks.deliveries++;
    if (!ok) this.stats.data.webhooks.failures++;
    this.world.deliveries.push(delivery);
    if (this.world.deliveries.length > MAX_RECORDED)
      this.world.deliveries.splice(0, this.world.deliveries.length - MAX_RECORDED);
    return delivery;
  }
}
