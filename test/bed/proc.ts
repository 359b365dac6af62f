/** Process management for the bed: own process groups, logs on disk, and waiting for ports. */
import { spawn as nodeSpawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export interface SpawnOptions {
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
  /** Run as this system user (via setpriv), e.g. Prosody, which must not run as root. */
  readonly user?: string;
}

export interface ManagedProcess {
  readonly name: string;
  readonly child: ChildProcess;
  readonly logFile: string;
  /** Resolves with the exit code (or signal name) when the process ends. */
  readonly exited: Promise<number | string>;
  /** SIGTERM to the whole process group, then SIGKILL after graceMs. */
  stop(graceMs?: number): Promise<void>;
}

const running = new Set<ManagedProcess>();

export function spawnManaged(
  logDir: string,
  name: string,
  command: string,
  args: readonly string[],
  options: SpawnOptions = {},
): ManagedProcess {
  mkdirSync(logDir, { recursive: true });
  const logFile = join(logDir, `${name}.log`);
  const log = createWriteStream(logFile, { flags: 'a' });
  let cmd = command;
  let argv = [...args];
  if (options.user && process.getuid?.() === 0) {
    argv = [
      `--reuid=${options.user}`,
      `--regid=${options.user}`,
      '--init-groups',
      '--',
      command,
      ...args,
    ];
    cmd = 'setpriv';
  }
  const child = nodeSpawn(cmd, argv, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    detached: true, // own process group, so stop() reaches every child it forks
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.pipe(log, { end: false });
  child.stderr?.pipe(log, { end: false });
  const exited = new Promise<number | string>((resolve) => {
    child.once('error', (err) => {
      log.write(`\n[bed] spawn error: ${err.message}\n`);
      resolve('spawn-error');
    });
    child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown'));
  });
  const proc: ManagedProcess = {
    name,
    child,
    logFile,
    exited,
    async stop(graceMs = 3000) {
      running.delete(proc);
      if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
      killGroup(child.pid, 'SIGTERM');
      const done = await Promise.race([
        exited.then(() => true),
        sleep(graceMs, undefined, { ref: false }).then(() => false),
      ]);
      if (!done) killGroup(child.pid, 'SIGKILL');
      await Promise.race([exited, sleep(1000, undefined, { ref: false })]);
      // 'exit' can come before the pipes drain (a forked child may hold them): cut them first.
      for (const out of [child.stdout, child.stderr]) {
        out?.unpipe(log);
        out?.destroy();
      }
      log.end();
    },
  };
  running.add(proc);
  return proc;
}

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}

/** Kills every process still running: for exit handlers. Synchronous on purpose. */
export function killAllSync(): void {
  for (const p of running) {
    if (p.child.pid !== undefined) killGroup(p.child.pid, 'SIGKILL');
  }
  running.clear();
}

/** A free TCP port on 127.0.0.1 (the kernel picks it; there is a small race until the server binds it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() =>
        addr && typeof addr === 'object' ? resolve(addr.port) : reject(new Error('no port')),
      );
    });
  });
}

/** Waits until host:port accepts connections, or fails with the process's log path. */
export async function waitForPort(
  host: string,
  port: number,
  { timeoutMs = 15_000, proc }: { timeoutMs?: number; proc?: ManagedProcess } = {},
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exitedEarly: number | string | undefined;
  void proc?.exited.then((c) => (exitedEarly = c));
  while (Date.now() < deadline) {
    if (exitedEarly !== undefined) {
      throw new Error(
        `${proc?.name} exited (${exitedEarly}) before ${host}:${port} opened; see ${proc?.logFile}`,
      );
    }
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect({ host, port });
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    await sleep(50);
  }
  throw new Error(`timed out waiting for ${host}:${port}${proc ? `; see ${proc.logFile}` : ''}`);
}
