import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Config } from './config.ts';
import { systemClock, type Clock } from './domain/clock.ts';
import { RateLimiter } from './domain/rate-limiter.ts';
import type { LookupFn } from './delivery/address-guard.ts';
import type { Sender } from './delivery/sender.ts';
import { createLogger } from './logger.ts';
import { Metrics } from './http/metrics.ts';
import { bootstrapDefaultWorkspace } from './services/auth-service.ts';
import type { ServiceContext } from './services/context.ts';
import { CursorCodec } from './services/cursor-codec.ts';
import { LogTail } from './services/log-tail.ts';
import { operationalEventsFor, publishOperationalEvents } from './services/operational-events.ts';
import { RetentionPurger } from './services/retention.ts';
import { openStorage } from './storage/open-storage.ts';
import type { Storage } from './storage/storage.ts';
import type { DeliveryWorker } from './worker/delivery-worker.ts';

/** A running Herald: its parts, where it listens, and how to stop it. */
export interface Herald {
  ctx: ServiceContext;
  storage: Storage;
  app: FastifyInstance | null;
  worker: DeliveryWorker | null;
  /** Background retention; null on API-only processes. */
  retention: RetentionPurger | null;
  /** `http://host:port` when the API listens. */
  url: string | null;
  /** The key created on first start, to print once; null when keys existed. */
  createdKey: { key: string; generated: boolean } | null;
  /** Graceful stop: stop accepting, stop claiming, finish in-flight attempts, close storage. */
  stop(): Promise<void>;
}

export interface HeraldOptions {
  config: Readonly<Config>;
  clock?: Clock;
  logger?: Logger;
  lookup?: LookupFn;
  /** Listen on the configured port (default true); false builds the app for `inject()` only. */
  listen?: boolean;
}

/**
 * The composition root: storage, services, API and worker, wired per `HERALD_ROLE`. The API (Fastify)
 * and the worker (undici, the sender) are loaded only by the roles that run them: each costs an
 * API-only or worker-only process 15–25 MB of resident memory it would never use.
 */
export async function startHerald(options: HeraldOptions): Promise<Herald> {
  const { config } = options;
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? createLogger(config.logLevel);
  const storage = await openStorage(config.databaseUrl, { secretKey: config.secretKey });
  const cursors = new CursorCodec(await storage.putSettingOnce('cursor_secret', randomBytes(32).toString('base64url')));

  let worker: DeliveryWorker | null = null;
  const ctx: ServiceContext = {
    config, storage, clock, cursors,
    apiRateLimiter: new RateLimiter(),
    wakeWorkers: () => worker?.wake(),
    ...(options.lookup ? { lookup: options.lookup } : {}),
  };
  const metrics = new Metrics(storage, clock);
  const tail = config.role === 'worker' ? null : new LogTail({ storage, logger });
  const retention = config.role === 'api'
    ? null
    : new RetentionPurger({ storage, clock, logger, retentionDays: config.retentionDays, intervalMs: config.purgeIntervalMs });

  let sender: Sender | null = null;
  if (config.role !== 'api') {
    const [{ createSender }, { DeliveryWorker }, { USER_AGENT }] = await Promise.all([
      import('./delivery/sender.ts'),
      import('./worker/delivery-worker.ts'),
      import('./worker/signed-request.ts'),
    ]);
    sender = createSender({
      allowPrivateNetworks: config.allowPrivateNetworks,
      userAgent: USER_AGENT,
      now: () => clock.now(),
      ...(options.lookup ? { lookup: options.lookup } : {}),
    });
    worker = new DeliveryWorker({
      storage, sender, clock, logger: logger.child({ part: 'worker' }),
      retrySchedule: config.retrySchedule,
      concurrency: config.concurrency,
      disableAfterMs: config.disableAfterMs,
      onRecorded: (outcomes, health) => {
        for (const outcome of outcomes) metrics.recordAttempt(outcome);
        tail?.notify();
        const events = operationalEventsFor(outcomes, health);
        if (events.length > 0) void publishOperationalEvents(ctx, logger, events);
      },
    });
  }

  let app: FastifyInstance | null = null;
  let createdKey: Herald['createdKey'] = null;
  let url: string | null = null;
  if (config.role !== 'worker') {
    const { buildApp } = await import('./http/app.ts');
    createdKey = await bootstrapDefaultWorkspace(ctx);
    app = await buildApp({ ctx, metrics, logger, tail: tail!, streamHeartbeatMs: config.streamHeartbeatMs });
    if (options.listen !== false) {
      await app.listen({ port: config.port, host: config.host });
      const address = app.server.address();
      const port = typeof address === 'object' && address ? address.port : config.port;
      url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
    } else {
      await app.ready();
    }
  }
  // Several processes on one database: wake on each other's writes (polling stays as the fallback).
  const unlisten = await Promise.all([
    worker && storage.listen ? storage.listen('herald_deliveries', () => worker?.wake()) : null,
    tail && storage.listen ? storage.listen('herald_attempts', () => tail.notify()) : null,
  ]);
  worker?.start();
  retention?.start();

  let stopping: Promise<void> | null = null;
  return {
    ctx, storage, app, worker, retention, url, createdKey,
    stop: () =>
      (stopping ??= (async () => {
        await app?.close();
        for (const stop of unlisten) await stop?.();
        tail?.close();
        await retention?.stop();
        await worker?.stop();
        await sender?.close();
        await storage.close();
      })()),
  };
}
