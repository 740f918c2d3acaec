export { createAccountLimiter, buildAccountLimiter, type AccountLimiter, type LimiterStatus } from './account-limiter.js';
export { DEFAULT_PER_MINUTE, resolveLimiterOptions, type AccountLimiterOptions, type RedisOption } from './options.js';
export { RedisJobRegistry, type JobRegistryOptions } from './job-registry.js';
export { createRedisClient } from './redis-store.js';
