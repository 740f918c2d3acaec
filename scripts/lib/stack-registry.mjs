// Apicurio Registry 3.x (Quarkus runnable distribution from Maven Central), in-memory H2 storage,
// serving the Confluent-compatible API at /apis/ccompat/v7.
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { javaCandidates, javaMajor, mvn, run, StackError } from './stack-proc.mjs';

// Newest first. 3.3.x is compiled for Java 21; 3.0.x still runs on Java 17 (both tested here).
// 3.3.x serves /health on a separate management port; 3.0.x serves it on the main port.
const VERSIONS = [
  { version: '3.3.3', minJava: 21, managementPort: true },
  { version: '3.0.9', minJava: 17, managementPort: false },
];

async function pickRuntime() {
  const forced = process.env.STACK_REGISTRY_JAVA;
  let candidates;
  if (forced) {
    const major = await javaMajor(forced);
    if (major === undefined) throw new StackError(`STACK_REGISTRY_JAVA=${forced} does not run as java.`);
    candidates = [{ bin: forced, major }];
  } else {
    candidates = await javaCandidates();
  }
  const best = candidates.sort((a, b) => b.major - a.major)[0];
  if (best === undefined)
    throw new StackError(
      'no java found (PATH, JAVA_HOME, /usr/lib/jvm): Apicurio Registry needs Java 17 or newer.',
    );
  const release = VERSIONS.find((v) => best.major >= v.minJava);
  if (release === undefined)
    throw new StackError(
      `newest java found is Java ${best.major} (${best.bin}): Apicurio Registry needs Java 17 or newer.`,
    );
  return { java: best.bin, javaMajor: best.major, ...release };
}

/** True when the Confluent-compatible API lists subjects. */
export async function registryAnswers(ccompatUrl) {
  const res = await fetch(`${ccompatUrl}/subjects`, { signal: AbortSignal.timeout(2000) });
  await res.arrayBuffer();
  return res.ok;
}

export function registryService({ root, stackDir, port, managementPort }) {
  const dir = join(stackDir, 'registry');
  const pomFile = join(root, 'deploy/local/apicurio/pom.xml');
  const ccompatUrl = `http://127.0.0.1:${port}/apis/ccompat/v7`;
  let runtime;
  let distDir;

  async function fetchDistribution(version) {
    const target = join(dir, `dist-${version}`);
    const complete = join(target, '.complete');
    if (existsSync(complete)) return target;
    rmSync(target, { recursive: true, force: true });
    mkdirSync(target, { recursive: true });
    await mvn(
      ['-f', pomFile, 'dependency:copy', `-Dapicurio.version=${version}`, `-Dstack.outputDirectory=${dir}`],
      root,
    );
    const archive = join(dir, `apicurio-registry-app-${version}-all.tar.gz`);
    await run('tar', ['xzf', archive, '-C', target]);
    rmSync(archive);
    writeFileSync(complete, `${version}\n`);
    return target;
  }

  function runnerJar() {
    if (existsSync(join(distDir, 'quarkus-run.jar'))) return join(distDir, 'quarkus-run.jar');
    const uber = readdirSync(distDir).find((f) => f.endsWith('-runner.jar'));
    if (uber === undefined) throw new StackError(`no runnable jar in ${distDir}`);
    return join(distDir, uber);
  }

  const healthUrl = () => `http://127.0.0.1:${runtime.managementPort ? managementPort : port}/health/ready`;

  return {
    name: 'registry',
    envKey: 'SCHEMA_REGISTRY_URL',
    value: ccompatUrl,
    get ports() {
      return runtime?.managementPort === false ? [port] : [port, managementPort];
    },
    dir,
    pidFile: join(dir, 'registry.pid'),
    logFile: join(dir, 'registry.log'),
    stdoutFile: join(dir, 'registry.log'),
    readyTimeoutMs: 120_000,
    stopGraceMs: 20_000,
    matches: (line) => line.includes(dir) && line.includes('-jar'),

    async probe() {
      if (runtime !== undefined) {
        const health = await fetch(healthUrl(), { signal: AbortSignal.timeout(2000) });
        await health.arrayBuffer();
        if (!health.ok) return false;
      }
      return registryAnswers(ccompatUrl);
    },

    describe: () =>
      runtime ? `Apicurio Registry ${runtime.version} on Java ${runtime.javaMajor}` : 'Apicurio Registry',

    async prepare() {
      runtime = await pickRuntime();
      mkdirSync(dir, { recursive: true });
      distDir = await fetchDistribution(runtime.version);
    },

    command() {
      const tmp = join(dir, 'tmp');
      mkdirSync(tmp, { recursive: true });
      const props = {
        'quarkus.http.host': '127.0.0.1',
        'quarkus.http.port': port,
        'quarkus.management.host': '127.0.0.1',
        'quarkus.management.port': managementPort,
        // In-memory H2 (the 3.x default, stated so a changed default cannot surprise us).
        'apicurio.storage.kind': 'sql',
        'apicurio.storage.sql.kind': 'h2',
        // ccompat ids are content ids, as in Confluent: one schema text, one id, across subjects and versions.
        'apicurio.ccompat.legacy-id-mode.enabled': 'false',
        // Re-registering the same schema with other whitespace finds the existing id, as in Confluent;
        // without this, 3.0.x adds a new version (and id) per textual variant.
        'apicurio.ccompat.use-canonical-hash': 'true',
        'apicurio.storage.snapshot.location': tmp,
        'apicurio.import.work-dir': tmp,
        'java.io.tmpdir': tmp,
        'quarkus.http.access-log.enabled': 'false',
      };
      const jvm = [
        '-Xms128m',
        '-Xmx384m',
        '-XX:+UseSerialGC',
        '-XX:TieredStopAtLevel=1',
        '-Djava.awt.headless=true',
      ];
      const args = [...jvm, ...Object.entries(props).map(([k, v]) => `-D${k}=${v}`), '-jar', runnerJar()];
      return { cmd: runtime.java, args, cwd: dir };
    },
  };
}
