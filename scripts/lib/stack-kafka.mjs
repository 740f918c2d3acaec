// Apache Kafka 4.x in KRaft combined mode, from the Maven Central jars resolved by deploy/local/kafka/pom.xml.
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import { javaMajor, mvn, run, StackError } from './stack-proc.mjs';

const client = (brokers, retries) =>
  new Kafka({
    clientId: 'stack-probe',
    brokers,
    logLevel: logLevel.NOTHING,
    connectionTimeout: 1000,
    requestTimeout: 5000,
    retry: { retries, initialRetryTime: 100, maxRetryTime: 1000 },
  });

/** True when a metadata request to the brokers succeeds. */
export async function kafkaAnswers(brokers) {
  const admin = client(brokers, 0).admin();
  try {
    await admin.connect();
    await admin.listTopics();
    return true;
  } catch {
    return false;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/**
 * True once the group coordinator and the producer-id manager serve requests: on a fresh broker the
 * first consumer group and idempotent producer otherwise meet "coordinator is loading" errors (and
 * kafkajs consumer crash-restarts) in whichever test happens to run first.
 */
async function kafkaWarm(brokers) {
  const kafka = client(brokers, 5);
  const admin = kafka.admin();
  const producer = kafka.producer({ idempotent: true, createPartitioner: Partitioners.DefaultPartitioner });
  try {
    await admin.connect();
    await admin.describeGroups(['stack-warm-up']);
    await producer.connect();
    return true;
  } catch {
    return false;
  } finally {
    await producer.disconnect().catch(() => undefined);
    await admin.disconnect().catch(() => undefined);
  }
}

// Kafka cluster ids are 16 random bytes in URL-safe base64; Kafka refuses ids that start with '-'.
function clusterId() {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

function fill(template, values) {
  return Object.entries(values).reduce((text, [key, value]) => text.replaceAll(`@${key}@`, value), template);
}

export function kafkaService({ root, stackDir, port, controllerPort }) {
  const dir = join(stackDir, 'kafka');
  const pomFile = join(root, 'deploy/local/kafka/pom.xml');
  const jarsDir = join(dir, 'jars');
  const stampFile = join(jarsDir, '.pom-sha256');
  const dataDir = join(dir, 'data');
  const propsFile = join(dir, 'server.properties');
  const log4jFile = join(dir, 'log4j2.properties');
  const address = `127.0.0.1:${port}`;
  const classpath = `${jarsDir}/*`;

  async function resolveJars() {
    const pomHash = createHash('sha256').update(readFileSync(pomFile)).digest('hex');
    if (existsSync(stampFile) && readFileSync(stampFile, 'utf8').trim() === pomHash) return;
    rmSync(jarsDir, { recursive: true, force: true });
    await mvn(['-f', pomFile, 'dependency:copy-dependencies', `-DoutputDirectory=${jarsDir}`], root);
    writeFileSync(stampFile, `${pomHash}\n`);
  }

  return {
    name: 'kafka',
    envKey: 'KAFKA_BROKERS',
    value: address,
    ports: [port, controllerPort],
    dir,
    pidFile: join(dir, 'kafka.pid'),
    logFile: join(dir, 'kafka.log'),
    stdoutFile: join(dir, 'stdout.log'),
    readyTimeoutMs: 90_000,
    stopGraceMs: 30_000,
    matches: (line) => line.includes('kafka.Kafka') && line.includes(propsFile),
    probe: async () => (await kafkaAnswers([address])) && kafkaWarm([address]),

    async prepare() {
      const major = await javaMajor('java');
      if (major === undefined)
        throw new StackError(
          'java is not on PATH: Kafka needs Java 17 or newer (e.g. apt-get install -y openjdk-17-jre-headless).',
        );
      if (major < 17) throw new StackError(`java on PATH is Java ${major}: Kafka 4 needs Java 17 or newer.`);
      mkdirSync(dir, { recursive: true });
      await resolveJars();
      const templates = join(root, 'deploy/local/kafka');
      const values = {
        KAFKA_PORT: String(port),
        CONTROLLER_PORT: String(controllerPort),
        DATA_DIR: dataDir,
        LOG_FILE: join(dir, 'kafka.log'),
      };
      writeFileSync(propsFile, fill(readFileSync(join(templates, 'server.properties'), 'utf8'), values));
      writeFileSync(log4jFile, fill(readFileSync(join(templates, 'log4j2.properties'), 'utf8'), values));
      // The registry keeps schemas in memory, so records from an earlier run would carry schema ids
      // that no longer exist (or now mean another schema): every start begins with an empty log.
      rmSync(dataDir, { recursive: true, force: true });
      const jvm = ['-Xmx256m', `-Dlog4j2.configurationFile=${log4jFile}`];
      await run(
        'java',
        [
          ...jvm,
          '-cp',
          classpath,
          'kafka.tools.StorageTool',
          'format',
          '--standalone',
          '-t',
          clusterId(),
          '-c',
          propsFile,
        ],
        { cwd: dir },
      );
    },

    command() {
      const jvm = [
        '-Xms256m',
        '-Xmx512m',
        '-XX:+UseG1GC',
        '-XX:MaxGCPauseMillis=20',
        '-Djava.awt.headless=true',
        `-Dlog4j2.configurationFile=${log4jFile}`,
      ];
      return { cmd: 'java', args: [...jvm, '-cp', classpath, 'kafka.Kafka', propsFile], cwd: dir };
    },
  };
}
