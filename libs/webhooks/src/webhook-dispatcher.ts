import { randomUUID } from 'node:crypto';
import {
  Inject,
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { DataSource, In, LessThanOrEqual, type EntityManager } from 'typeorm';
import { APP_CONFIG, Clock, type AppConfig } from '#config';
import { AuditService } from '#audit';
import { MFA_ENCRYPTION_KEY } from '#mfa';
import {
  TenantScopedRepository,
  WebhookDeliveryEntity,
  WebhookEndpointEntity,
  WebhookOutboxEntity,
} from '#persistence';
import { signingSecrets } from './endpoint-secrets.js';
import { ENDPOINT_FAILURE_DISABLE_MS, nextAttemptAt } from './retry-schedule.js';
import { signatureHeader } from './webhook-signature.js';
import { DELIVERY_TIMEOUT_MS, sendWebhook, type SendOutcome } from './webhook-sender.js';
import { webhookBody } from './webhooks.service.js';
import { WorkerLease } from './worker-lease.js';
import { pendingDelivery } from './pending-delivery.js';
import { DISPATCH_DATA_SOURCE } from './dispatch-data-source.js';

const LEASE_NAME = 'webhook-dispatcher';
const LEASE_TTL_MS = 15_000;
/** An attempt in flight holds its delivery this long; past it (a crashed node) it is due again. */
const IN_FLIGHT_HOLD_MS = 60_000;
const OUTBOX_BATCH = 100;
/** Batches one pass fans out before it turns to the due attempts; a full last batch brings the next pass at once. */
const OUTBOX_BATCHES_PER_PASS = 10;
/** Delivery rows per INSERT: 13 parameters each, well under either dialect's limit. */
const DELIVERY_INSERT_CHUNK = 200;
const DELIVERY_BATCH = 32;
const CONCURRENCY = 8;

/** Thrown inside a batch's transaction to undo it when another node took some of its rows. */
class OutboxBatchContended extends Error {}

/** What every attempt records on its delivery, whatever the outcome. */
type AttemptRecord = { attempts: number; lastAttemptAt: Date; lastResponseCode: number | null };

/**
 * Delivers the outbox. Every node runs this loop, but only the holder of the lease works, so a
 * cluster delivers from one node at a time; each attempt also claims its delivery with a
 * conditional update, so even two overlapping holders never send the same attempt twice.
 * Everything it knows is in the database: a restart, or an outage of the database, loses
 * nothing (an attempt whose outcome could not be recorded is made again: at least once).
 */
@Injectable()
export class WebhookDispatcher implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(WebhookDispatcher.name);
  private readonly lease: WorkerLease;
  private readonly deliveries: TenantScopedRepository<WebhookDeliveryEntity>;
  private readonly endpoints: TenantScopedRepository<WebhookEndpointEntity>;
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private stopped = false;
  private failingLogged = false;

  constructor(
    @Inject(DISPATCH_DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(MFA_ENCRYPTION_KEY) private readonly encryptionKey: Buffer,
    private readonly clock: Clock,
    private readonly audit: AuditService,
  ) {
    this.lease = new WorkerLease(dataSource, LEASE_NAME, `${process.pid}-${randomUUID()}`, LEASE_TTL_MS);
    this.deliveries = TenantScopedRepository.of(dataSource, WebhookDeliveryEntity);
    this.endpoints = TenantScopedRepository.of(dataSource, WebhookEndpointEntity);
  }

  onApplicationBootstrap(): void {
    if (this.config.webhooks.dispatcher) this.schedule(0);
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
    if (this.config.webhooks.dispatcher) await this.lease.release().catch(() => undefined);
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      // A pass that left events in the outbox is followed at once.
      this.running = this.runOnce().then((backlog) => {
        this.running = undefined;
        this.schedule(backlog ? 0 : this.config.webhooks.pollIntervalMs);
      });
    }, ms);
    this.timer.unref();
  }

  /**
   * One pass: if this node holds the lease, fan out new events, then make the due attempts.
   * True when the outbox may hold more than the pass took. Never rejects.
   */
  async runOnce(): Promise<boolean> {
    try {
      if (!(await this.lease.acquire(this.clock.now()))) return false;
      const backlog = await this.fanOut();
      await this.deliverDue();
      this.failingLogged = false;
      return backlog;
    } catch (err) {
      // The database is down or failing: nothing is lost, the next pass picks up where this stopped.
      if (!this.failingLogged) this.logger.warn(`webhook dispatch pass failed: ${(err as Error).message}`);
      this.failingLogged = true;
      return false;
    }
  }

  /**
   * Outbox rows become one delivery per enabled endpoint subscribed to the type, and leave the
   * outbox in the same transaction, a batch at a time in id order: one delete, the deliveries'
   * inserts and a commit for up to OUTBOX_BATCH events, where one event at a time took a
   * transaction each and fell behind a busy tenant's sign-ins. The delete comes first: a batch
   * goes on only if its delete took every row; if another node took some, it is undone and its
   * events are taken one by one, each by whichever delete gets it. Maintenance across tenants by
   * design: it reads tenant ids only to address each tenant's own endpoints. True when the last
   * batch was full, so more may be waiting.
   */
  private async fanOut(): Promise<boolean> {
    for (let batch = 0; batch < OUTBOX_BATCHES_PER_PASS && !this.stopped; batch++) {
      const rows = await this.dataSource
        .getRepository(WebhookOutboxEntity)
        .find({ order: { id: 'ASC' }, take: OUTBOX_BATCH });
      if (rows.length === 0) return false;
      const targetsOf = await this.subscribers(rows);
      if (!(await this.fanOutBatch(rows, targetsOf))) {
        for (const event of rows) await this.fanOutBatch([event], targetsOf);
      }
      if (rows.length < OUTBOX_BATCH) return false;
    }
    return true;
  }

  /** Each event's targets: the tenant's enabled endpoints subscribed to its type and registered before it. */
  private async subscribers(rows: WebhookOutboxEntity[]): Promise<Map<WebhookOutboxEntity, WebhookEndpointEntity[]>> {
    const enabledOf = new Map<string, WebhookEndpointEntity[]>();
    for (const tenantId of new Set(rows.map((r) => r.tenantId)))
      enabledOf.set(tenantId, await this.endpoints.find(tenantId, { enabled: true }));
    return new Map(
      rows.map((event) => [
        event,
        // An endpoint receives the events that happened after it was registered.
        enabledOf
          .get(event.tenantId)!
          .filter(
            (e) =>
              e.createdAt.getTime() <= event.createdAt.getTime() &&
              (e.events.includes('*') || e.events.includes(event.type)),
          ),
      ]),
    );
  }

  /** Takes `rows` from the outbox and writes their deliveries, all or nothing; false if another node took any of them first. */
  private async fanOutBatch(
    rows: WebhookOutboxEntity[],
    targetsOf: Map<WebhookOutboxEntity, WebhookEndpointEntity[]>,
  ): Promise<boolean> {
    const now = this.clock.now();
    try {
      await this.dataSource.transaction(async (m) => {
        const taken = await m.getRepository(WebhookOutboxEntity).delete({ id: In(rows.map((r) => r.id)) });
        // Only a batch of one may lose its row quietly: the other node fans it out.
        if ((taken.affected ?? 0) !== rows.length) {
          if (rows.length === 1) return;
          throw new OutboxBatchContended();
        }
        const byTenant = new Map<string, ReturnType<typeof pendingDelivery>[]>();
        for (const event of rows) {
          const targets = targetsOf.get(event)!;
          if (targets.length === 0) continue;
          const body = webhookBody(event.type, event.createdAt, event.data);
          const list = byTenant.get(event.tenantId) ?? [];
          for (const endpoint of targets) list.push(pendingDelivery(endpoint.id, event, body, now));
          byTenant.set(event.tenantId, list);
        }
        const deliveries = this.deliveries.withManager(m);
        for (const [tenantId, list] of byTenant)
          for (let i = 0; i < list.length; i += DELIVERY_INSERT_CHUNK)
            await deliveries.insertMany(tenantId, list.slice(i, i + DELIVERY_INSERT_CHUNK));
      });
      return true;
    } catch (err) {
      if (err instanceof OutboxBatchContended) return false;
      throw err;
    }
  }

  private async deliverDue(): Promise<void> {
    const due = await this.dataSource.getRepository(WebhookDeliveryEntity).find({
      where: { status: 'pending', nextAttemptAt: LessThanOrEqual(this.clock.now()) },
      order: { nextAttemptAt: 'ASC' },
      take: DELIVERY_BATCH,
    });
    let next = 0;
    const worker = async () => {
      while (next < due.length && !this.stopped) await this.attempt(due[next++]);
    };
    // On SQLite the dispatcher has one connection of its own: attempts go one by one.
    const concurrency = this.dataSource.options.type === 'postgres' ? CONCURRENCY : 1;
    await Promise.all(Array.from({ length: Math.min(concurrency, due.length) }, worker));
  }

  /** One attempt of one delivery: claim it, sign, send, record the outcome. */
  private async attempt(delivery: WebhookDeliveryEntity): Promise<void> {
    const tenantId = delivery.tenantId;
    const now = this.clock.now();
    const claimed = await this.deliveries.update(
      tenantId,
      { id: delivery.id, status: 'pending', nextAttemptAt: LessThanOrEqual(now) },
      { nextAttemptAt: new Date(now.getTime() + IN_FLIGHT_HOLD_MS) },
    );
    if (claimed !== 1) return;
    const endpoint = await this.endpoints.findOne(tenantId, { id: delivery.endpointId });
    if (!endpoint || !endpoint.enabled) {
      await this.deliveries.update(
        tenantId,
        { id: delivery.id },
        { status: 'failed', lastError: 'endpoint_disabled', nextAttemptAt: null },
      );
      return;
    }
    const timestamp = Math.floor(now.getTime() / 1000);
    const outcome = await sendWebhook(
      {
        url: endpoint.url,
        body: delivery.body,
        headers: {
          'Content-Type': 'application/json',
          'User-Agent': 'Tessera-Webhooks/1',
          'webhook-id': delivery.eventId,
          'webhook-timestamp': String(timestamp),
          'webhook-signature': signatureHeader(
            signingSecrets(this.encryptionKey, endpoint, now),
            delivery.eventId,
            timestamp,
            delivery.body,
          ),
        },
      },
      { allowPrivateNetworks: this.config.webhooks.allowPrivateNetworks, timeoutMs: DELIVERY_TIMEOUT_MS },
    );
    await this.record(delivery, endpoint, outcome);
  }

  /** Records an attempt's outcome: the delivery's new state, and the endpoint's failing streak. */
  private async record(
    delivery: WebhookDeliveryEntity,
    endpoint: WebhookEndpointEntity,
    outcome: SendOutcome,
  ): Promise<void> {
    const now = this.clock.now();
    const attempt: AttemptRecord = {
      attempts: delivery.attempts + 1,
      lastAttemptAt: now,
      lastResponseCode: outcome.status ?? null,
    };
    if (outcome.ok) await this.recordSuccess(delivery, endpoint, attempt);
    else await this.recordFailure(delivery, endpoint, attempt, outcome.error);
  }

  /** The delivery is done, and the endpoint no longer failing. */
  private async recordSuccess(
    delivery: WebhookDeliveryEntity,
    endpoint: WebhookEndpointEntity,
    attempt: AttemptRecord,
  ): Promise<void> {
    const tenantId = delivery.tenantId;
    await this.dataSource.transaction(async (m) => {
      await this.deliveries
        .withManager(m)
        .update(
          tenantId,
          { id: delivery.id },
          { ...attempt, status: 'succeeded', lastError: null, nextAttemptAt: null },
        );
      if (endpoint.failingSince)
        await this.endpoints.withManager(m).update(tenantId, { id: endpoint.id }, { failingSince: null });
    });
  }

  /** A retry is scheduled (or the delivery given up), and an endpoint failing for too long disabled. */
  private async recordFailure(
    delivery: WebhookDeliveryEntity,
    endpoint: WebhookEndpointEntity,
    attempt: AttemptRecord,
    error: string,
  ): Promise<void> {
    const tenantId = delivery.tenantId;
    const now = attempt.lastAttemptAt;
    const retryAt = nextAttemptAt(
      attempt.attempts,
      delivery.createdAt,
      now,
      this.config.webhooks.firstRetrySeconds * 1000,
    );
    const failingSince = endpoint.failingSince ?? now;
    const disable = now.getTime() - failingSince.getTime() >= ENDPOINT_FAILURE_DISABLE_MS;
    await this.dataSource.transaction(async (m) => {
      await this.deliveries
        .withManager(m)
        .update(
          tenantId,
          { id: delivery.id },
          { ...attempt, lastError: error, status: retryAt ? 'pending' : 'failed', nextAttemptAt: retryAt },
        );
      if (disable) await this.disableFailingEndpoint(m, endpoint, failingSince, now);
      else if (!endpoint.failingSince)
        await this.endpoints.withManager(m).update(tenantId, { id: endpoint.id }, { failingSince });
    });
  }

  /** Failing for days: stop, say so in the audit log (and to other endpoints), give up its queue. */
  private async disableFailingEndpoint(
    m: EntityManager,
    endpoint: WebhookEndpointEntity,
    failingSince: Date,
    now: Date,
  ): Promise<void> {
    const tenantId = endpoint.tenantId;
    const disabled = await this.endpoints
      .withManager(m)
      .update(
        tenantId,
        { id: endpoint.id, enabled: true },
        { enabled: false, disabledReason: 'failing', updatedAt: now },
      );
    if (disabled !== 1) return;
    await this.deliveries
      .withManager(m)
      .update(
        tenantId,
        { endpointId: endpoint.id, status: 'pending' },
        { status: 'failed', lastError: 'endpoint_disabled', nextAttemptAt: null },
      );
    await this.audit.record(
      tenantId,
      {
        actorType: 'system',
        actorId: 'tessera',
        action: 'webhook.disabled',
        resourceType: 'webhook',
        resourceId: endpoint.id,
        metadata: { url: endpoint.url, failing_since: failingSince.toISOString(), reason: 'failing' },
      },
      m,
    );
  }
}
