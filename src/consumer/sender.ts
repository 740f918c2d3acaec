/**
 * Sends one batch through the DotDigital client with the credentials of its connector, read at
 * send time so that a reloaded connectors file applies to the very next attempt.
 */
import { SyncError } from '../errors.js';
import type { ConnectorRegistry } from '../connectors/registry.js';
import type { ContactOutcome, DotdigitalClient } from '../sink/index.js';
import type { Batch } from '../windowing/index.js';

export interface BatchSender {
  send(batch: Batch, signal: AbortSignal): Promise<readonly ContactOutcome[]>;
}

export class DotdigitalBatchSender implements BatchSender {
  constructor(
    private readonly client: DotdigitalClient,
    private readonly connectors: Pick<ConnectorRegistry, 'get'>,
  ) {}

  async send(batch: Batch, signal: AbortSignal): Promise<readonly ContactOutcome[]> {
    const connector = this.connectors.get(batch.connectorId);
    if (connector === undefined) throw new SyncError('CONNECTOR_UNKNOWN', `connector ${batch.connectorId} is no longer configured`);
    const events = batch.entries.map((e) => e.event);
    const outcomes =
      batch.action === 'ADD'
        ? await this.client.addContacts(connector, batch.addressBookId, events, signal)
        : await this.client.removeContacts(connector, batch.addressBookId, events, signal);
    if (outcomes.length !== events.length) {
      throw new SyncError('INTERNAL', `client returned ${outcomes.length} outcomes for ${events.length} events`);
    }
    return outcomes;
  }
}
