// Process plumbing for scripts/stack.mjs: detached children with pid files, liveness that survives
// pid reuse, polite stops, readiness polling, and the external tools (java, mvn) the stack needs.
import { spawn, execFile } from 'node:child_process';
import {
  openSync,
  closeSync,
  readFileSync,
  writeFileSync,
  rmSync,
  existsSync,
  readdirSync,
  realpathSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export class StackError extends Error {}

/** Runs a command to completion; rejects with its output when it fails. */
export function run(cmd, args, options = {}) {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { maxBuffer: 16 * 1024 * 1024, ...options }, (error, stdout, stderr) => {
      if (error) {
        const missing = error.code === 'ENOENT';
        const detail = missing
          ? `${cmd} not found on PATH`
          : `${stdout}\n${stderr}`.trim().split('\n').slice(-25).join('\n');
        const failure = new StackError(`${cmd} ${args.join(' ')} failed:\n${detail}`);
        failure.missing = missing;
        reject(failure);
      } else {
        resolve({ stdout, stderr });
      }
    });
  });
}

/** Starts a long-running child in its own process group, output appended to logFile; returns it. */
export function startDetached(cmd, args, { cwd, logFile, pidFile, env = process.env }) {
  const fd = openSync(logFile, 'a');
  try {
    const child = spawn(cmd, args, { cwd, env, detached: true, stdio: ['ignore', fd, fd] });
    child.unref();
    if (child.pid === undefined) throw new StackError(`could not start ${cmd}`);
    writeFileSync(pidFile, `${child.pid}\n`);
    const exited = new Promise((resolve) =>
      child.once('exit', (code, signal) => resolve(signal ?? `exit code ${code}`)),
    );
    child.once('error', () => undefined);
    return { pid: child.pid, exited };
  } finally {
    closeSync(fd);
  }
}

export function readPid(pidFile) {
  if (!existsSync(pidFile)) return undefined;
  const pid = Number.parseInt(readFileSync(pidFile, 'utf8').trim(), 10);
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

function cmdline(pid) {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  } catch {
    return undefined;
  }
}

/** The pid from pidFile when that process is alive and still the one we started (pids get reused). */
export function livePid(pidFile, matches) {
  const pid = readPid(pidFile);
  if (pid === undefined) return undefined;
  const line = cmdline(pid);
  if (line === undefined || !matches(line)) return undefined;
  return pid;
}

function alive(pid) {
  try {
    process.kill(pid, 0);
    return cmdline(pid) !== undefined && !readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z ');
  } catch {
    return false;
  }
}

/** SIGTERM, wait up to graceMs, then SIGKILL. Returns how it ended. */
export async function stopPid(pid, graceMs) {
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return 'gone';
  }
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!alive(pid)) return 'stopped';
    await sleep(100);
  }
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    return 'stopped';
  }
  while (alive(pid)) await sleep(50);
  return 'killed';
}

export function removeFile(path) {
  rmSync(path, { force: true });
}

/** Resolves true when something already listens on 127.0.0.1:port. */
export function portInUse(port) {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(true));
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => server.close(() => resolve(false)));
  });
}

/** Polls probe() until it resolves true; fails early when `exited` settles (the process died). */
export async function waitReady(name, probe, { timeoutMs, exited, logFile }) {
  let died;
  exited?.then((how) => (died = how));
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await probe().catch(() => false)) return;
    if (died !== undefined)
      throw new StackError(`${name} exited (${died}) before it was ready.${logTail(logFile)}`);
    await sleep(250);
  }
  throw new StackError(`${name} was not ready after ${Math.round(timeoutMs / 1000)} s.${logTail(logFile)}`);
}

export function logTail(logFile, lines = 30) {
  if (logFile === undefined || !existsSync(logFile)) return '';
  const tail = readFileSync(logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  return `\n--- last lines of ${logFile} ---\n${tail}\n---`;
}

/** Major version of a java binary, or undefined when it does not run. */
export async function javaMajor(javaBin) {
  try {
    const { stderr } = await run(javaBin, ['-version']);
    const match = /version "(\d+)(?:\.(\d+))?/.exec(stderr);
    if (!match) return undefined;
    const major = Number(match[1]);
    return major === 1 ? Number(match[2]) : major;
  } catch {
    return undefined;
  }
}

/** Every distinct java binary on this machine: PATH first, then JAVA_HOME and /usr/lib/jvm. */
export async function javaCandidates() {
  const found = new Map();
  const add = async (bin) => {
    let real;
    try {
      real = bin === 'java' ? bin : realpathSync(bin);
    } catch {
      return;
    }
    if (found.has(real)) return;
    const major = await javaMajor(bin);
    if (major !== undefined) found.set(real, { bin, major });
  };
  await add('java');
  if (process.env.JAVA_HOME) await add(join(process.env.JAVA_HOME, 'bin', 'java'));
  const jvmDir = '/usr/lib/jvm';
  if (existsSync(jvmDir)) {
    for (const entry of readdirSync(jvmDir).sort()) await add(join(jvmDir, entry, 'bin', 'java'));
  }
  return [...found.values()];
}

let mvnQueue = Promise.resolve();

/** Runs mvn, one invocation at a time: parallel builds sharing ~/.m2 can corrupt downloads. */
export function mvn(args, cwd) {
  const next = mvnQueue.then(() =>
    run('mvn', ['-q', '-B', ...args], { cwd }).catch((error) => {
      if (error.missing)
        throw new StackError('Maven (mvn) is not on PATH: install it (e.g. apt-get install -y maven).');
      throw error;
    }),
  );
  mvnQueue = next.catch(() => undefined);
  return next;
}
