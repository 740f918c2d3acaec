// Redis from the Debian redis-server package: no persistence, loopback only, data dir under .stack/redis.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { run, StackError } from './stack-proc.mjs';

/** True when PING answers PONG. */
export async function redisAnswers(url) {
  const client = new Redis(url, {
    lazyConnect: true,
    connectTimeout: 1000,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return (await client.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

export function redisService({ stackDir, port }) {
  const dir = join(stackDir, 'redis');
  const url = `redis://127.0.0.1:${port}`;
  const binary = process.env.STACK_REDIS_SERVER ?? 'redis-server';

  return {
    name: 'redis',
    envKey: 'REDIS_URL',
    value: url,
    ports: [port],
    dir,
    pidFile: join(dir, 'redis.pid'),
    logFile: join(dir, 'redis.log'),
    stdoutFile: join(dir, 'redis.log'),
    readyTimeoutMs: 15_000,
    stopGraceMs: 10_000,
    // redis-server rewrites its process title to "redis-server 127.0.0.1:<port>".
    matches: (line) => line.includes('redis-server') && line.includes(`:${port}`),
    probe: () => redisAnswers(url),

    async prepare() {
      try {
        await run(binary, ['--version']);
      } catch {
        throw new StackError(
          `${binary} not found: install it (apt-get install -y redis-server) or set REDIS_URL to a running Redis.`,
        );
      }
      mkdirSync(dir, { recursive: true });
    },

    command() {
      const args = [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        '--daemonize',
        'no',
        '--dir',
        dir,
        '--logfile',
        '',
      ];
      return { cmd: binary, args, cwd: dir };
    },
  };
}
