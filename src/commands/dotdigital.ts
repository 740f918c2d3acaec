/**
 * `connectors validate` and `address-books list|create`: talk to DotDigital with the connectors
 * of CONNECTORS_FILE (and the DOTDIGITAL_* settings), without Kafka or Redis.
 */
import { EXIT, requireString, type CommandSpec } from '../cli-args.js';
import { loadDotdigitalConfig } from '../config.js';
import { loadConnectorsFile } from '../connectors/file.js';
import type { Connector } from '../connectors/connector.js';
import { SyncError, toSyncError } from '../errors.js';
import type { Logger } from '../logger.js';
import { DotdigitalClient } from '../sink/index.js';

function clientFromEnv(logger: Logger): { client: DotdigitalClient; connectors: Connector[] } {
  const { dotdigital, connectorsFile } = loadDotdigitalConfig();
  const connectors = loadConnectorsFile(connectorsFile);
  const client = new DotdigitalClient({ logger, ...dotdigital });
  return { client, connectors };
}

function pick(connectors: readonly Connector[], id: string): Connector {
  const c = connectors.find((x) => x.connectorId === id);
  if (c === undefined) throw new SyncError('USAGE', `no connector "${id}" in the connectors file (have: ${connectors.map((x) => x.connectorId).join(', ') || 'none'})`);
  return c;
}

const out = (line: string) => void process.stdout.write(`${line}\n`);

export function connectorsCommand(logger: Logger): CommandSpec {
  return {
    name: 'connectors',
    summary: 'Validate connectors: credentials, region and account id.',
    usage: `dotdigital-sync connectors validate [--connector ID]

Checks each connector of CONNECTORS_FILE (or the one named) against DotDigital: the credentials
are accepted, the region is detected, the account id is read. Prints one line per connector.
Exit codes: 0 all valid, 1 at least one invalid or unreachable, 2 bad arguments, 3 bad config.`,
    options: { connector: { type: 'string' } },
    positionals: 1,
    async run(values, positionals) {
      if (positionals[0] !== 'validate') throw new SyncError('USAGE', 'expected: connectors validate');
      const { client, connectors } = clientFromEnv(logger);
      const list = typeof values.connector === 'string' ? [pick(connectors, values.connector)] : connectors;
      let bad = 0;
      try {
        for (const c of list) {
          try {
            const info = await client.checkCredentials(c);
            out(`ok       ${c.connectorId}  region=${info.region} account=${info.accountId} endpoint=${info.apiEndpoint}`);
          } catch (err) {
            bad++;
            const e = toSyncError(err);
            out(`invalid  ${c.connectorId}  ${e.code}: ${e.message}`);
          }
        }
      } finally {
        await client.close();
      }
      return bad === 0 ? EXIT.OK : EXIT.FAILED;
    },
  };
}

export function addressBooksCommand(logger: Logger): CommandSpec {
  return {
    name: 'address-books',
    summary: 'List or create the address books of a connector\'s account.',
    usage: `dotdigital-sync address-books list --connector ID
dotdigital-sync address-books create --connector ID --name NAME [--visibility Private|Public]

Exit codes: 0 done, 1 DotDigital refused (e.g. duplicate name), 2 bad arguments, 3 bad config.`,
    options: { connector: { type: 'string' }, name: { type: 'string' }, visibility: { type: 'string' } },
    positionals: 1,
    async run(values, positionals) {
      const sub = positionals[0];
      if (sub !== 'list' && sub !== 'create') throw new SyncError('USAGE', 'expected: address-books list|create');
      const id = requireString(values, 'connector');
      const visibility = values.visibility ?? 'Private';
      if (visibility !== 'Private' && visibility !== 'Public') throw new SyncError('USAGE', '--visibility must be Private or Public');
      const name = sub === 'create' ? requireString(values, 'name') : '';
      const { client, connectors } = clientFromEnv(logger);
      const connector = pick(connectors, id);
      try {
        if (sub === 'list') {
          const books = await client.listAddressBooks(connector);
          out('id          contacts  visibility  name');
          for (const b of books) out(`${String(b.id).padEnd(10)}  ${String(b.contacts ?? '-').padStart(8)}  ${b.visibility.padEnd(10)}  ${b.name}`);
          out(`${books.length} address book(s)`);
        } else {
          const b = await client.createAddressBook(connector, { name, visibility });
          out(`created ${b.id} ${b.name} (${b.visibility})`);
        }
      } finally {
        await client.close();
      }
      return EXIT.OK;
    },
  };
}
