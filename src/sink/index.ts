/** The public API of the DotDigital client. */
export { DotdigitalClient, CLIENT_DEFAULTS, type DotdigitalClientOptions } from './client.js';
export type {
  AccountInfo,
  AddressBook,
  ConnectorCredentials,
  ContactOutcome,
  NewAddressBook,
  Region,
  Visibility,
} from './types.js';
export { buildImportRequest, type ImportContact, type ImportPlan } from './add.js';
export { errorCodeFor, parseErrorBody } from './error-table.js';
export { parseRateLimitHeaders, resetToEpochMs } from './rate-headers.js';
export { acceptEndpoint } from './region.js';
export {
  noopGate,
  noopObserver,
  OPERATION_CLASSES,
  type OperationClass,
  type RateLimitContext,
  type RateLimitFeedback,
  type RateLimitGate,
  type RateLimitObserver,
} from './rate-limit.js';
