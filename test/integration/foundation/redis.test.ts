/** Foundation proof: the real Redis of the local stack stores, returns and deletes values. */
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { stackEnv, uniqueName } from '../helpers/stack-env.js';

describe('Redis (real local stack)', () => {
  let redis: Redis | undefined;
  let prefix = '';

  afterEach(async () => {
    if (redis) {
      const leftovers = await redis.keys(`${prefix}*`);
      if (leftovers.length > 0) await redis.del(...leftovers);
      redis.disconnect();
      redis = undefined;
    }
  });

  it('round-trips SET / GET / DEL under a private key prefix', async () => {
    redis = new Redis(stackEnv().redisUrl, { maxRetriesPerRequest: 1 });
    prefix = `${uniqueName('it-foundation')}:`;
    const key = `${prefix}greeting`;
    const value = `héllo ${prefix} ${'x'.repeat(10_000)}`;

    expect(await redis.get(key)).toBeNull();
    expect(await redis.set(key, value, 'PX', 60_000)).toBe('OK');
    expect(await redis.get(key)).toBe(value);
    expect(await redis.pttl(key)).toBeGreaterThan(0);
    expect(await redis.del(key)).toBe(1);
    expect(await redis.get(key)).toBeNull();
    expect(await redis.exists(key)).toBe(0);
  });
});
