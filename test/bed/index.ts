/**
 * The real-server test bed: a private temp dir, a fresh test PKI, Dovecot, Postfix and Prosody
 * on loopback ports, and a JSON description of every endpoint (endpoints.ts) for the suites.
 *
 * Started once per `npm test` by scripts/test.mjs (via run-bed.ts), or by Vitest's global setup
 * when Vitest runs alone. Needs root (Postfix's master, Dovecot), see design.md.
 *
 * Environment:
 * - SEALCHECK_BED_ONLY=dovecot,prosody  start only these servers (while developing one of them).
 * - SEALCHECK_KEEP_BED=1                keep the bed dir (configs, logs) after stop.
 * - SEALCHECK_BED_VERBOSE=1             print the bed's progress messages.
 */
import { randomBytes } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BED_ENV, loadBed, type BedDescription, type BedEndpoint } from './endpoints';
import { generatePki } from './pki';
import { freePort, killAllSync, spawnManaged } from './proc';
import { startDovecot } from './servers/dovecot';
import { startPostfix } from './servers/postfix';
import { startProsody } from './servers/prosody';
import type { BedContext, BedUser, StartedServer } from './types';

export interface StartBedOptions {
  /** Use this directory for the run (created if missing) instead of a fresh temp dir. Removed on stop unless kept. */
  readonly dir?: string;
  /** Install SIGINT/SIGTERM handlers that kill the servers (default true; run-bed.ts handles signals itself). */
  readonly handleSignals?: boolean;
}

export interface RunningBed {
  readonly description: BedDescription;
  /** The JSON file with the description: the value for SEALCHECK_BED. */
  readonly file: string;
  readonly dir: string;
  stop(): Promise<void>;
}

type ServerName = 'dovecot' | 'postfix' | 'prosody';
const ALL_SERVERS: readonly ServerName[] = ['dovecot', 'postfix', 'prosody'];

function selectedServers(): Set<ServerName> {
  const only = process.env.SEALCHECK_BED_ONLY?.trim();
  if (!only) return new Set(ALL_SERVERS);
  const names = only.split(',').map((s) => s.trim());
  for (const n of names) {
    if (!ALL_SERVERS.includes(n as ServerName)) {
      throw new Error(
        `SEALCHECK_BED_ONLY: unknown server "${n}" (known: ${ALL_SERVERS.join(', ')})`,
      );
    }
  }
  const set = new Set(names as ServerName[]);
  if (set.has('postfix')) set.add('dovecot'); // Postfix authenticates through Dovecot
  return set;
}

const keepBed = (): boolean => process.env.SEALCHECK_KEEP_BED === '1';

/** Dirs of beds still running in this process, for the exit handlers. */
const liveDirs = new Set<string>();
let handlersInstalled = false;

function cleanupSync(): void {
  killAllSync();
  if (!keepBed()) for (const d of liveDirs) rmSync(d, { recursive: true, force: true });
  liveDirs.clear();
}

function installExitHandlers(handleSignals: boolean): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  process.once('exit', cleanupSync);
  if (!handleSignals) return;
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const onSignal = (): void => {
      cleanupSync();
      // If nobody else handles the signal, behave as if we had not been there: die by it.
      if (process.listenerCount(signal) === 1) {
        process.off(signal, onSignal);
        process.kill(process.pid, signal);
      }
    };
    process.on(signal, onSignal);
  }
}

function tail(file: string, lines: number): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

export async function startBed(options: StartBedOptions = {}): Promise<RunningBed> {
  const t0 = Date.now();
  const servers = selectedServers();
  const dir = options.dir ?? (await mkdtemp(join(tmpdir(), 'sealcheck-bed-')));
  await mkdir(dir, { recursive: true });
  // Servers run as their own users (dovenull, postfix, prosody) and must traverse it.
  await chmod(dir, 0o755);
  liveDirs.add(dir);
  installExitHandlers(options.handleSignals ?? true);

  const logDir = join(dir, 'logs');
  mkdirSync(logDir, { recursive: true });
  const bedLog = join(logDir, 'bed.log');
  const verbose = process.env.SEALCHECK_BED_VERBOSE === '1';
  const log = (message: string): void => {
    const line = `[bed +${Date.now() - t0} ms] ${message}`;
    appendFileSync(bedLog, line + '\n');
    if (verbose) console.error(line);
  };

  const user: BedUser = {
    name: 'alice',
    password: randomBytes(18).toString('base64url'),
    xmppAddress: 'alice@test.example',
  };
  const handedOut = new Set<number>();
  const started: StartedServer[] = [];
  const stopServers = async (): Promise<void> => {
    const all = started.splice(0);
    await Promise.allSettled(all.map((s) => s.stop()));
  };

  try {
    const pki = await generatePki(join(dir, 'pki'));
    log('pki ready');
    const ctx: BedContext = {
      dir,
      pki,
      user,
      serverName: 'mail.test.example',
      xmppDomain: 'test.example',
      async freePort() {
        // The kernel may hand out a port twice in a row; never give one to two servers.
        for (let i = 0; i < 20; i++) {
          const port = await freePort();
          if (!handedOut.has(port)) {
            handedOut.add(port);
            return port;
          }
        }
        throw new Error('bed: could not find an unused port');
      },
      spawn: (name, command, args, spawnOptions) =>
        spawnManaged(logDir, name, command, args, spawnOptions),
      log,
    };

    const track = async (p: Promise<StartedServer>): Promise<StartedServer> => {
      const s = await p;
      started.push(s);
      return s;
    };
    // Prosody is independent; Postfix needs Dovecot's auth socket.
    const mailChain = (async (): Promise<StartedServer[]> => {
      if (!servers.has('dovecot')) return [];
      const dovecot = await startDovecot(ctx);
      started.push(dovecot);
      if (!servers.has('postfix')) return [dovecot];
      const postfix = await track(startPostfix(ctx, { dovecotAuthSocket: dovecot.authSocket }));
      return [dovecot, postfix];
    })();
    const xmpp = servers.has('prosody') ? track(startProsody(ctx)) : Promise.resolve(null);
    const results = await Promise.allSettled([mailChain, xmpp]);
    const failures = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failures.length > 0)
      throw failures.length === 1
        ? failures[0]?.reason
        : new AggregateError(failures.map((f) => f.reason as unknown));

    const endpoints: BedEndpoint[] = started.flatMap((s) => s.endpoints);
    const ids = new Set<string>();
    for (const ep of endpoints) {
      if (ids.has(ep.id)) throw new Error(`bed: duplicate endpoint id ${ep.id}`);
      ids.add(ep.id);
    }
    const description: BedDescription = {
      startedAt: new Date(t0).toISOString(),
      rootCaFile: pki.rootCaFile,
      intermediateCaFile: pki.intermediateCaFile,
      user,
      endpoints,
    };
    const file = join(dir, 'bed.json');
    await writeFile(file, JSON.stringify(description, null, 2) + '\n', { mode: 0o644 });
    const ms = Date.now() - t0;
    log(`ready: ${endpoints.length} endpoints`);
    console.error(
      `[bed] ${[...servers].join(', ')}: ${endpoints.length} endpoints ready in ${(ms / 1000).toFixed(1)} s (${file})`,
    );

    let stopped: Promise<void> | undefined;
    return {
      description,
      file,
      dir,
      stop() {
        stopped ??= (async () => {
          await stopServers();
          liveDirs.delete(dir);
          if (!keepBed()) await rm(dir, { recursive: true, force: true });
        })();
        return stopped;
      },
    };
  } catch (err) {
    await stopServers();
    const logs = existsSync(logDir) ? readdirSync(logDir).filter((f) => f.endsWith('.log')) : [];
    const excerpt = logs
      .map((f) => `--- ${f} (last lines)\n${tail(join(logDir, f), 15)}`)
      .join('\n');
    liveDirs.delete(dir);
    if (!keepBed()) await rm(dir, { recursive: true, force: true });
    const message = err instanceof Error ? err.message : String(err);
    throw new Error(
      `the test bed did not start: ${message}\n${excerpt}${keepBed() ? `\n(bed kept in ${dir})` : '\n(set SEALCHECK_KEEP_BED=1 to keep its files)'}`,
      { cause: err },
    );
  }
}

/**
 * For scripts (benchmarks, the opt-in cross-check): the bed named by SEALCHECK_BED when one is
 * running, else a fresh one that `stop()` tears down again.
 */
export async function bedForScript(): Promise<{ bed: BedDescription; stop(): Promise<void> }> {
  if (process.env[BED_ENV]) return { bed: loadBed(), stop: async () => undefined };
  const running = await startBed();
  return { bed: running.description, stop: () => running.stop() };
}
