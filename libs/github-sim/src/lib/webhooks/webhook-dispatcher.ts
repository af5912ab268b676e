import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import type { StatsRecorder } from '../http/stats';
import type { Urls } from '../rest/serializers';
import { simpleInstallation } from '../rest/app-serializers';
import type { SimDomainEvent, SimInstallationEvent, SimOrgEvent } from '../world/domain-events';
import type { SimWorld } from '../world/sim-world';
import type { SimDelivery, SimGithubApp, SimHook, SimInstallation, SimRepo } from '../world/world.types';
import {
  installationWebhook,
  organizationWebhook,
  pingPayload,
  webhookFor,
  type WebhookMessage,
} from './webhook-payloads';

/** Where one delivery goes: a repository hook, or a GitHub App's webhook. */
interface DeliveryTarget {
  hookId: number;
  repoId: number;
  url: string;
  contentType: 'json' | 'form';
  secret: string | null;
  targetType: 'repository' | 'integration';
  targetId: number;
  /** Records the outcome on the hook (repository hooks keep their last response). */
  done?: (ok: boolean, delivery: SimDelivery) => void;
}

/**
 * GitHub's X-Hub-Signature-256: HMAC-SHA256 of the raw body, hex, prefixed "sha256=" (what @octokit/webhooks-methods
 * `sign` computes; the contract tests verify our signatures with it).
 */
export function signSha256(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** Events an App hears only with a permission beyond its subscription (GitHub ties each event to one). */
const EVENT_PERMISSIONS: Record<string, string> = { workflow_run: 'actions' };

function permitted(installation: SimInstallation, event: string): boolean {
  const needed = EVENT_PERMISSIONS[event];
  return needed === undefined || installation.permissions[needed] !== undefined;
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

  private async onEvent(e: SimDomainEvent | SimInstallationEvent | SimOrgEvent): Promise<void> {
    if (e.type === 'organization' || e.type === 'team' || e.type === 'membership') {
      const msg = organizationWebhook(this.world, this.urls(), e);
      const targets = [...this.world.installations.values()].filter(
        (i) =>
          i.accountType === 'Organization' &&
          i.accountId === e.org.id &&
          i.suspendedAt === null &&
          i.events.includes(msg.event),
      );
      await Promise.all(
        targets.map((inst) => {
          const app = this.world.githubApps.get(inst.appId);
          if (!app?.webhookUrl) return undefined;
          return this.deliverTo(appTarget(app, 0), {
            ...msg,
            payload: { ...msg.payload, installation: simpleInstallation(inst) },
          });
        }),
      );
      return;
    }
    if (e.type === 'installation' || e.type === 'installation_repositories') {
      const app = this.world.githubApps.get(e.installation.appId);
      if (app?.webhookUrl)
        await this.deliverTo(appTarget(app, 0), installationWebhook(this.world, this.urls(), e));
      return;
    }
    const apps = this.appsFor(e.repo);
    if (!e.repo.hooks.length && !apps.length) return;
    const msg = webhookFor(this.world, this.urls(), e);
    if (!msg) return;
    const hooks = e.repo.hooks.filter(
      (h) => h.active && (h.events.includes('*') || h.events.includes(msg.event)),
    );
    await Promise.all([
      ...hooks.map((h) => this.deliver(e.repo, h, msg, false)),
      // An App hears the events its installation subscribed to, each carrying `installation`.
      ...apps
        .filter(
          ({ events, installation }) => events.includes(msg.event) && permitted(installation, msg.event),
        )
        .map(({ app, installation }) =>
          this.deliverTo(appTarget(app, e.repo.id), {
            ...msg,
            payload: { ...msg.payload, installation: simpleInstallation(installation) },
          }),
        ),
    ]);
  }

  /** Apps with a webhook whose active (not suspended) installation covers the repository. */
  private appsFor(repo: SimRepo) {
    const out: Array<{ app: SimGithubApp; installation: SimInstallation; events: string[] }> = [];
    for (const app of this.world.githubApps.values()) {
      if (!app.webhookUrl) continue;
      const inst = this.world.installationFor(app.id, repo);
      if (inst && inst.suspendedAt === null) out.push({ app, installation: inst, events: inst.events });
    }
    return out;
  }

  private deliverTo(target: DeliveryTarget, msg: WebhookMessage): Promise<SimDelivery> {
    const p = this.send(target, msg, false, randomUUID());
    this.world.track(p);
    return p;
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

  /** POST /app/hook/deliveries/{id}/attempts: the same payload and GUID, to the App's current webhook URL. */
  redeliverToApp(app: SimGithubApp, d: SimDelivery): Promise<SimDelivery> | null {
    if (!app.webhookUrl) return null;
    const p = this.send(
      appTarget(app, d.repoId),
      { event: d.event, action: d.action, payload: d.payload as Record<string, unknown> },
      true,
      d.guid,
    );
    this.world.track(p);
    return p;
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
    const p = this.send(hookTarget(repo, hook), msg, redelivery, guid);
    this.world.track(p);
    return p;
  }

  private async send(
    target: DeliveryTarget,
    msg: WebhookMessage,
    redelivery: boolean,
    guid: string,
  ): Promise<SimDelivery> {
    const json = JSON.stringify(msg.payload);
    const body = target.contentType === 'form' ? `payload=${encodeURIComponent(json)}` : json;
    const headers: Record<string, string> = {
      Accept: '*/*',
      'Content-Type':
        target.contentType === 'form' ? 'application/x-www-form-urlencoded' : 'application/json',
      'User-Agent': USER_AGENT,
      'X-GitHub-Delivery': guid,
      'X-GitHub-Event': msg.event,
      'X-GitHub-Hook-ID': String(target.hookId),
      'X-GitHub-Hook-Installation-Target-ID': String(target.targetId),
      'X-GitHub-Hook-Installation-Target-Type': target.targetType,
    };
    if (target.secret) {
      headers['X-Hub-Signature'] = `sha1=${createHmac('sha1', target.secret).update(body).digest('hex')}`;
      headers['X-Hub-Signature-256'] = signSha256(target.secret, body);
    }
    const delivery: SimDelivery = {
      // Numbered when recorded (below), as GitHub lists them: a later id is never listed before an earlier one.
      id: 0,
      guid,
      hookId: target.hookId,
      repoId: target.repoId,
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
        const res = await fetch(target.url, {
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
    target.done?.(ok, delivery);
    this.stats.data.webhooks.deliveries++;
    if (!ok) this.stats.data.webhooks.failures++;
    delivery.id = this.world.nextId('delivery');
    this.world.deliveries.push(delivery);
    if (this.world.deliveries.length > MAX_RECORDED)
      this.world.deliveries.splice(0, this.world.deliveries.length - MAX_RECORDED);
    return delivery;
  }
}

function hookTarget(repo: SimRepo, hook: SimHook): DeliveryTarget {
  return {
    hookId: hook.id,
    repoId: repo.id,
    url: hook.config.url,
    contentType: hook.config.content_type,
    secret: hook.config.secret ?? null,
    targetType: 'repository',
    targetId: repo.id,
    done: (ok, d) => {
      hook.lastResponse = {
        code: d.statusCode || null,
        status: ok ? 'active' : 'failed',
        message: ok ? 'OK' : d.status,
      };
    },
  };
}

/** An App's webhook: X-GitHub-Hook-Installation-Target-Type `integration`, target id the App's id. */
function appTarget(app: SimGithubApp, repoId: number): DeliveryTarget {
  return {
    hookId: app.hookId,
    repoId,
    url: app.webhookUrl as string,
    contentType: 'json',
    secret: app.webhookSecret,
    targetType: 'integration',
    targetId: app.id,
  };
}
