/**
 * The sandbox's default accounts, used by `dotdigital-sync sandbox` and the demo when no seed
 * file is given. The demo account lives in r2 so that region detection has work to do.
 */
import type { AccountSeed } from './types.js';

export const DEFAULT_SEED: readonly AccountSeed[] = Object.freeze([
  {
    id: 410001,
    name: 'Demo',
    region: 'r2',
    apiUsers: [
      { username: 'apiuser-demo@apiconnector.com', password: 'demo-password-1' },
      { username: 'apiuser-demo2@apiconnector.com', password: 'demo-password-2' },
    ],
    addressBooks: [
      { name: 'Newsletter' },
      { name: 'VIP customers', visibility: 'Public' },
      { name: 'Welcome journey' },
      { name: 'Win-back journey' },
    ],
    suppressedEmails: ['suppressed@example.com'],
  },
  {
    id: 410002,
    name: 'Demo Europe',
    region: 'r1',
    apiUsers: [{ username: 'apiuser-eu@apiconnector.com', password: 'demo-password-3' }],
    addressBooks: [{ name: 'Newsletter' }],
  },
]);
