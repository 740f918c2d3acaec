// The local stack: real Apache Kafka (KRaft), Apicurio Registry (Confluent-compatible API) and Redis.
//   node scripts/stack.mjs up|down|status
// Everything lives under .stack/ (artifacts, data, logs, pid files); `up` writes .stack/env for tests.
// A service whose env var (KAFKA_BROKERS, SCHEMA_REGISTRY_URL, REDIS_URL) is set is used as it is.
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { kafkaAnswers, kafkaService } from './lib/stack-kafka.mjs';
import {
  livePid,
  portInUse,
  removeFile,
  startDetached,
  stopPid,
  StackError,
  waitReady,
} from './lib/stack-proc.mjs';
import { registryAnswers, registryService } from './lib/stack-registry.mjs';
import { redisAnswers, redisService } from './lib/stack-redis.mjs';

// kafkajs 2.2.4 arms setTimeout with a negative delay when it is not throttled; Node 24 warns about
// it (the timer still fires after 1 ms), which would drown the stack's own output.
process.removeAllListeners('warning');
process.on('warning', (warning) => {
  if (warning.name !== 'TimeoutNegativeWarning') console.error(`${warning.name}: ${warning.message}`);
});

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const stackDir = join(root, '.stack');
const envFile = join(stackDir, 'env');

function portFromEnv(name, fallback) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    throw new StackError(`${name}=${raw} is not a TCP port`);
  return port;
}

function services() {
  const kafkaPort = portFromEnv('STACK_KAFKA_PORT', 19092);
  const registryPort = portFromEnv('STACK_REGISTRY_PORT', 18081);
  return [
    kafkaService({
      root,
      stackDir,
      port: kafkaPort,
      controllerPort: portFromEnv('STACK_KAFKA_CONTROLLER_PORT', kafkaPort + 1),
    }),
    registryService({
      root,
      stackDir,
      port: registryPort,
      managementPort: portFromEnv('STACK_REGISTRY_MANAGEMENT_PORT', registryPort + 1),
    }),
    redisService({ stackDir, port: portFromEnv('STACK_REDIS_PORT', 16379) }),
  ];
}

const externalProbes = {
  KAFKA_BROKERS: (value) => kafkaAnswers(value.split(',').map((b) => b.trim())),
  SCHEMA_REGISTRY_URL: (value) => registryAnswers(value.replace(/\/+$/, '')),
  REDIS_URL: (value) => redisAnswers(value),
};

const external = (svc) => {
  const value = process.env[svc.envKey];
  return value !== undefined && value !== '' ? value : undefined;
};

const since = (start) => `${((Date.now() - start) / 1000).toFixed(1)} s`;

async function upService(svc) {
  const start = Date.now();
  const outside = external(svc);
  if (outside !== undefined) {
    if (!(await externalProbes[svc.envKey](outside)))
      throw new StackError(`${svc.envKey}=${outside} is set, but nothing answers there.`);
    return { value: outside, note: `external (from ${svc.envKey})` };
  }
  const running = livePid(svc.pidFile, svc.matches);
  if (running !== undefined) {
    await waitReady(svc.name, svc.probe, { timeoutMs: svc.readyTimeoutMs, logFile: svc.logFile });
    return { value: svc.value, note: `already running (pid ${running})` };
  }
  removeFile(svc.pidFile);
  await svc.prepare();
  for (const port of svc.ports) {
    if (await portInUse(port))
      throw new StackError(
        `${svc.name}: port ${port} on 127.0.0.1 is taken by another process (stop it, or pick other STACK_*_PORT values).`,
      );
  }
  removeFile(svc.logFile);
  removeFile(svc.stdoutFile);
  const { cmd, args, cwd } = svc.command();
  const child = startDetached(cmd, args, { cwd, logFile: svc.stdoutFile, pidFile: svc.pidFile });
  try {
    await waitReady(svc.name, svc.probe, {
      timeoutMs: svc.readyTimeoutMs,
      exited: child.exited,
      logFile: svc.logFile,
    });
  } catch (error) {
    await stopPid(child.pid, 5000);
    removeFile(svc.pidFile);
    throw error;
  }
  const what = svc.describe ? `${svc.describe()}, ` : '';
  return { value: svc.value, note: `started (${what}pid ${child.pid}, ${since(start)})` };
}

function envLine(key, value) {
  return /^[\w.:/,@%+=-]*$/.test(value) ? `${key}=${value}` : `${key}='${value.replaceAll("'", "'\\''")}'`;
}

async function up() {
  const start = Date.now();
  mkdirSync(stackDir, { recursive: true });
  const list = services();
  const results = await Promise.allSettled(list.map((svc) => upService(svc)));
  let failed = false;
  const env = [];
  list.forEach((svc, i) => {
    const result = results[i];
    if (result.status === 'fulfilled') {
      console.log(`${svc.name.padEnd(9)} ${result.value.value}  ${result.value.note}`);
      env.push(envLine(svc.envKey, result.value.value));
    } else {
      failed = true;
      const message =
        result.reason instanceof StackError
          ? result.reason.message
          : String(result.reason?.stack ?? result.reason);
      console.error(`${svc.name.padEnd(9)} FAILED: ${message}`);
    }
  });
  if (failed) {
    console.error('stack:up failed; `npm run stack:down` stops whatever did start.');
    return 1;
  }
  writeFileSync(envFile, `${env.join('\n')}\n`);
  console.log(`stack up in ${since(start)}; wrote ${relative(root, envFile)}`);
  return 0;
}

async function down() {
  const results = await Promise.all(
    services().map(async (svc) => {
      const pid = livePid(svc.pidFile, svc.matches);
      const how = pid === undefined ? 'not running' : `${await stopPid(pid, svc.stopGraceMs)} (pid ${pid})`;
      removeFile(svc.pidFile);
      return `${svc.name.padEnd(9)} ${how}`;
    }),
  );
  results.forEach((line) => console.log(line));
  rmSync(envFile, { force: true });
  return 0;
}

async function status() {
  let allUp = true;
  for (const svc of services()) {
    const outside = external(svc);
    let line;
    if (outside !== undefined) {
      const ok = await externalProbes[svc.envKey](outside).catch(() => false);
      allUp &&= ok;
      line = `${ok ? 'up' : 'DOWN'}  ${outside}  external (from ${svc.envKey})`;
    } else {
      const pid = livePid(svc.pidFile, svc.matches);
      const ok = pid !== undefined && (await svc.probe().catch(() => false));
      allUp &&= ok;
      const state =
        pid === undefined
          ? 'not running'
          : ok
            ? `pid ${pid}`
            : `pid ${pid}, not answering (see ${relative(root, svc.logFile)})`;
      line = `${ok ? 'up' : 'DOWN'}  ${svc.value}  ${state}`;
    }
    console.log(`${svc.name.padEnd(9)} ${line}`);
  }
  console.log(existsSync(envFile) ? `env: ${relative(root, envFile)}` : 'env: none (run npm run stack:up)');
  return allUp ? 0 : 1;
}

const commands = { up, down, status };
const command = commands[process.argv[2] ?? ''];
if (command === undefined) {
  console.error('usage: node scripts/stack.mjs up|down|status');
  process.exit(2);
}
try {
  process.exitCode = await command();
} catch (error) {
  console.error(error instanceof StackError ? error.message : error);
  process.exitCode = 1;
}
