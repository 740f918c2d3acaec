/**
 * Wires the parts for `dotdigital-sync run`: the only module that knows them all.
 * Start order: config-checked parts first (connectors file), then Redis limiter and DotDigital
 * client, then the HTTP server (so probes answer while joining), then the group member.
 * Stop order is the reverse, with the flush in between: stop fetching → send what is due
 * within the deadline → drain dead letters → commit → close everything.
 */
import { ConnectorRegistry } from './connectors/registry.js';
import { CommitLoop } from './consumer/commit-loop.js';
import { DeadLetterQueue } from './consumer/dead-letter-queue.js';
import { KafkaDeadLetterSink } from './consumer/dead-letter.js';
import { EventDecoder } from './consumer/decoder.js';
import { FailurePolicy } from './consumer/failure-policy.js';
import { GroupMember } from './consumer/group-member.js';
import { createKafka, requireTopics } from './consumer/kafka.js';
import { Pipeline } from './consumer/pipeline.js';
import { Scheduler, scopeOfCode } from './consumer/scheduler.js';
import { createRegistrySchemaSource } from './consumer/schema-source.js';
import { DotdigitalBatchSender } from './consumer/sender.js';
import { StatusBoard } from './consumer/status.js';
import type { Config } from './config.js';
import { SyncError } from './errors.js';
import { HttpServer, type AdminBackend } from './http/server.js';
import { createAccountLimiter, createRedisClient, RedisJobRegistry } from './limits/index.js';
import type { Logger } from './logger.js';
import { createMetrics } from './metrics.js';
import { DotdigitalClient } from './sink/index.js';
import { Windowing } from './windowing/index.js';

export interface RunningService {
  readonly httpPort: number;
  /** Graceful: flush within the deadline and commit. Not graceful: close at once, commit only what is final. */
  stop(graceful: boolean): Promise<void>;
}

export async function startService(config: Config, logger: Logger, env: Readonly<Record<string, string | undefined>> = process.env): Promise<RunningService> {
  const log = (component: string) => logger.child({ component });
  const metrics = createMetrics({ defaultMetrics: true });
  const connectors = new ConnectorRegistry(config.service.connectorsFile, log('connectors'), env);
  const kafka = createKafka(config.kafka, log('kafka'));
  await requireTopics(kafka, [...config.kafka.topics, config.kafka.deadLetterTopic]);

  const schemas = createRegistrySchemaSource(config.registry);
  const limiter = createAccountLimiter({
    redis: { url: config.redis.url, ...(config.redis.password === undefined ? {} : { password: config.redis.password }) },
    keyPrefix: config.redis.keyPrefix,
    commandTimeoutMs: config.redis.commandTimeoutMs,
    perMinute: config.limits.perMinute,
    maxWaitMs: config.limits.maxWaitMs,
    expectedReplicas: config.limits.expectedReplicas,
    connectorLimits: (id) => {
      const l = connectors.get(id)?.limits;
      if (l === undefined || (l.addPerMinute === undefined && l.removePerMinute === undefined)) return undefined;
      return { ...(l.addPerMinute === undefined ? {} : { add: l.addPerMinute }), ...(l.removePerMinute === undefined ? {} : { remove: l.removePerMinute }) };
    },
    metrics,
    logger: log('limits'),
  });
  const d = config.dotdigital;
  const jobsRedis = createRedisClient(config.redis.url, config.redis.commandTimeoutMs, config.redis.password);
  jobsRedis.on('error', () => undefined); // reported by the registry itself, once
  const jobs = new RedisJobRegistry(jobsRedis, {
    keyPrefix: config.redis.keyPrefix,
    placeholderTtlMs: d.requestTimeoutMs + 10_000,
    jobTtlMs: d.jobTimeoutMs,
    logger: log('jobs'),
  });
  const client = new DotdigitalClient({
    logger: log('dotdigital'),
    r1BaseUrl: d.r1BaseUrl,
    allowAnyHost: d.allowAnyHost,
    requestTimeoutMs: d.requestTimeoutMs,
    maxConnections: d.maxConnections,
    pollInitialMs: d.pollInitialMs,
    pollMaxMs: d.pollMaxMs,
    jobTimeoutMs: d.jobTimeoutMs,
    deleteChunkSize: d.deleteChunkSize,
    contactIdCacheSize: d.contactIdCacheSize,
    integrationToken: d.integrationToken,
    gate: limiter.gate,
    observer: limiter.observer,
    jobs,
    metrics,
  });
  connectors.onChange(({ changed, removed }) => {
    for (const id of [...changed, ...removed]) client.invalidate(id);
  });

  const windowing = new Windowing(config.windowing);
  const status = new StatusBoard();
  const dlqSink = new KafkaDeadLetterSink(kafka, config.kafka.deadLetterTopic, schemas, log('dead-letters'));
  const dlq = new DeadLetterQueue(dlqSink, metrics, log('dead-letters'));
  const member = new GroupMember(kafka, config.kafka, log('consumer'));
  const scheduler = new Scheduler(windowing, new DotdigitalBatchSender(client, connectors), dlq, new FailurePolicy(config.sending), status, metrics, log('scheduler'), {
    concurrency: config.sending.concurrency,
  });
  const pipeline = new Pipeline({
    windowing,
    decoder: new EventDecoder({ source: schemas }),
    knownConnector: (id) => connectors.get(id) !== undefined,
    dlq,
    scheduler,
    status,
    metrics,
    logger: log('pipeline'),
    flow: member,
  });
  const commits = new CommitLoop(windowing, member, metrics, log('commits'), config.kafka.commitIntervalMs);
  pipeline.onNewAssignment = () => commits.onNewAssignment();
  scheduler.underPressure = () => member.isPaused;
  scheduler.onBatchDone = () => {
    pipeline.checkFlow();
    metrics.connectorsDegraded.set(status.degradedCount(scopeOfCode));
  };

  const http = new HttpServer({
    host: config.service.httpHost,
    port: config.service.httpPort,
    registry: metrics.registry,
    logger: log('http'),
    adminToken: config.service.adminToken,
    admin: adminBackend(client, connectors),
    health: {
      live: () => member.crashError === undefined,
      ready: () => {
        const reasons: string[] = [];
        if (!member.isJoined) reasons.push('not a member of the consumer group yet');
        if (pipeline.registryDown) reasons.push('schema registry unreachable');
        if (dlq.failing) reasons.push('dead-letter topic not writable');
        return { ready: reasons.length === 0, reasons };
      },
    },
    status: () => ({
      group: config.kafka.groupId,
      generation: windowing.generation,
      paused: member.isPaused,
      windowing: windowing.stats(Date.now()),
      sending: scheduler.active,
      deadLettersQueued: dlq.pending,
      limits: limiter.status(),
      connectors: Object.fromEntries(connectors.all().map((c) => [c.connectorId, c.toJSON()])),
      outcomes: status.snapshot(windowing.bookCounts()),
    }),
  });
  const httpPort = await http.listen();
  connectors.watch();
  const onHup = () => connectors.reload();
  process.on('SIGHUP', onHup);
  await member.start(pipeline);
  commits.start();
  scheduler.kick();
  logger.info({ httpPort, topics: config.kafka.topics, group: config.kafka.groupId, connectors: connectors.all().length }, 'dotdigital-sync running');

  let stopping: Promise<void> | undefined;
  return {
    httpPort,
    stop(graceful) {
      stopping ??= (async () => {
        process.off('SIGHUP', onHup);
        pipeline.stop();
        member.stopFetching();
        if (graceful) {
          const deadline = Date.now() + config.service.shutdownDeadlineMs;
          const flushed = await scheduler.flush(deadline);
          await Promise.race([dlq.drain(), new Promise((r) => setTimeout(r, Math.max(0, deadline - Date.now())))]);
          logger.info({ flushed, buffered: windowing.stats(Date.now()).bufferedEntries }, flushed ? 'flushed' : 'shutdown deadline reached; the rest is replayed by the next owner');
        }
        await scheduler.stop();
        dlq.close();
        await commits.commitNow();
        await commits.stop();
        await Promise.allSettled([member.disconnect(), dlqSink.close(), limiter.close(), client.close(), http.close()]);
        jobsRedis.disconnect();
        connectors.close();
      })();
      return stopping;
    },
  };
}

function adminBackend(client: DotdigitalClient, connectors: ConnectorRegistry): AdminBackend {
  const connector = (id: string) => {
    const c = connectors.get(id);
    if (c === undefined) throw new SyncError('CONNECTOR_UNKNOWN', `no connector ${id}`);
    return c;
  };
  let adhoc = 0;
  return {
    listAddressBooks: (id) => client.listAddressBooks(connector(id)),
    createAddressBook: (id, name, visibility) => client.createAddressBook(connector(id), { name, visibility }),
    async validateCredentials(username, password) {
      const connectorId = `adhoc-validation-${++adhoc}`;
      try {
        const info = await client.checkCredentials({ connectorId, username, password });
        return { region: info.region, accountId: info.accountId, apiEndpoint: info.apiEndpoint };
      } finally {
        client.invalidate(connectorId);
      }
    },
  };
}
