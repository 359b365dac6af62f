/**
 * Store durability: writers killed with SIGKILL at random moments, hundreds of times a store
 * (the account store, the settings file, the check history; all write through
 * core/storage/json-file.ts: temporary file, fsync, rename, directory fsync, under a lock).
 *
 * A writer process (writer.ts) changes its part of the file through the store's API without
 * pause, announcing each change before it starts ("writing n <hash of the part it will
 * leave>") and once it is made ("done n"). The parent kills it after its next change or the
 * one after is announced, or as its next temporary file appears or is renamed (fs.watch), plus
 * a random delay (log-uniform from 1 µs to 0.5, 1 or 2 ms, or anywhere within one and a half
 * changes; the files are 100 to 300 kB), so kills land in taking the lock, reading, writing, fsync, rename
 * and releasing. A writer started in its place (spares start ahead) carries on from the part
 * on disk. For the last 15 % of the kills a second writer runs at once, on a part of its own.
 * After every kill the parent reads the file through the store's API and asserts:
 *   - the killed writer's part is exactly its last completed version or the one it was
 *     writing, never anything else (an earlier version would be a change lost);
 *   - the other writer's part, if one runs, is one of its versions, none older than its last
 *     completed one;
 *   - the new writer reads exactly that part; every other round on average it must complete
 *     a change before the next kill (the dead one's lock and files block nobody: a writer
 *     would die of a "locked" error after 5 s), after which nothing of any dead writer is
 *     left in the directory; in the other rounds, at most three things per writer killed since;
 *     besides those, never more than the file, a lock, a lock being built, a temporary file;
 *   - at the end, all writers killed too, one change by the parent leaves the store file alone
 *     in the directory, with every part as last checked.
 *
 * The seed (SEALCHECK_FUZZ_SEED) picks the kills and the changes; SEALCHECK_FUZZ_RUNS sets the
 * number of kills per store (default: DEFAULT_KILLS). Linux: there, what a writer wrote to its
 * stdout pipe before the kill reaches the parent, and fs.watch reports each file created.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, watch } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { propertyRuns } from '../support/properties';
import { contentHash, prng, SLOTS, SUBJECTS, timeOf, type Slot, type Subject } from './subjects';

/** Kills per store (and two more at the end): about a minute for the three on 2 cores. */
const DEFAULT_KILLS: Record<Subject['name'], number> = {
  accounts: 200,
  settings: 100,
  history: 100,
};
/** How long a writer may take to get ready, read its part, or complete a change. */
const PROGRESS_MS = 8_000;

let bundleDir: string;
let writerScript: string;
beforeAll(async () => {
  // One bundled file starts in a fraction of the time tsx takes: hundreds of starts a test.
  bundleDir = await mkdtemp(join(tmpdir(), 'sealcheck-kill-writer-'));
  writerScript = join(bundleDir, 'writer.mjs');
  await build({
    entryPoints: [join(import.meta.dirname, 'writer.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node22',
    outfile: writerScript,
    logLevel: 'silent',
  });
});
afterAll(async () => {
  await rm(bundleDir, { recursive: true, force: true });
});

/**
 * The process a name of the store's directory belongs to: a temporary file
 * (`<file>.<pid>.<random>.tmp`), a lock being built (`<file>.lock.<pid>-<random>-<host>.new`),
 * a lock's entry (`<pid>-<random>-<host>`); null for the rest.
 */
function ownerOf(name: string): number | null {
  const m =
    /\.(\d+)\.[0-9a-f]{12}\.tmp$/.exec(name) ??
    /\.lock\.(\d+)-[0-9a-f]{12}-.+\.new$/.exec(name) ??
    /^(\d+)-[0-9a-f]{12}-/.exec(name);
  return m ? Number(m[1]) : null;
}

/** The store directory's names, and those in its lock (a directory) if there is one. */
function listing(dir: string, fileName: string): { names: string[]; inLock: string[] } {
  const names = readdirSync(dir);
  let inLock: string[] = [];
  try {
    inLock = readdirSync(join(dir, `${fileName}.lock`));
  } catch {
    // no lock, or not a directory
  }
  return { names, inLock };
}

interface Version {
  readonly n: number;
  readonly hash: string;
}

/** Wakes whoever waits on writers' messages. */
class Pulse {
  private waiters: (() => void)[] = [];
  beat(): void {
    for (const w of this.waiters.splice(0)) w();
  }
  next(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.waiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}

class Writer {
  readonly child: ChildProcess;
  readonly closed: Promise<void>;
  stderr = '';
  killed = false;
  /** Exited without being killed: the reason is on stderr. */
  failed = false;
  ready = false;
  /** Names of the directory that were this writer's, as it died (data, lock, lock being built). */
  leftovers: string[] = [];
  slot: Slot | null = null;
  start: Version | null = null;
  lastDone: Version | null = null;
  writing: Version | null = null;
  /** Every version it announced: hash → n. */
  readonly announced = new Map<string, number>();
  writings = 0;
  dones = 0;
  /** Its temporary files seen appearing (fs.watch). */
  readonly temps = new Set<string>();
  /** …and seen going again (renamed over the file). */
  renamed = 0;
  /** The time its completed changes took, "writing" to "done" as the parent saw them. */
  changeMs = 0;
  private writingAt = 0;
  private startN = 0;
  private buffer = '';

  constructor(script: string, subject: Subject, dir: string, pulse: Pulse) {
    this.child = spawn(process.execPath, [script, subject.name, dir], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const pid = this.child.pid ?? -1;
    this.child.stderr?.on('data', (d: Buffer) => (this.stderr += d.toString()));
    this.child.stdout?.on('data', (d: Buffer) => {
      this.buffer += d.toString();
      let end;
      while ((end = this.buffer.indexOf('\n')) >= 0) {
        this.message(this.buffer.slice(0, end));
        this.buffer = this.buffer.slice(end + 1);
      }
      pulse.beat();
    });
    this.child.once('exit', () => {
      // At once, before a live writer can clean up after it: what the dead one left.
      const { names, inLock } = listing(dir, subject.fileName);
      const lock = `${subject.fileName}.lock`;
      this.leftovers = [
        ...names.filter((n) => ownerOf(n) === pid),
        ...inLock.filter((n) => ownerOf(n) === pid).map((n) => `${lock}/${n}`),
      ];
      if (!this.killed) this.failed = true;
      pulse.beat();
    });
    this.closed = new Promise((resolve) => this.child.once('close', () => resolve()));
  }

  private message(line: string): void {
    const [word, nText, hash] = line.split(' ');
    const n = Number(nText);
    if (word === 'ready') {
      this.ready = true;
    } else if (word === 'start' && nText !== undefined) {
      this.start = { n: this.startN, hash: nText };
    } else if (word === 'writing' && hash !== undefined) {
      this.writing = { n, hash };
      this.writingAt = performance.now();
      this.announced.set(hash, n);
      this.writings++;
    } else if (word === 'done' && this.writing?.n === n) {
      this.lastDone = this.writing;
      this.writing = null;
      this.dones++;
      this.changeMs += performance.now() - this.writingAt;
    } else {
      this.stderr += `unexpected line: ${line}\n`;
      this.failed = true;
    }
  }

  go(slot: Slot, first: number, seed: number): void {
    this.slot = slot;
    this.startN = first - 1;
    this.child.stdin?.write(`go ${slot} ${first} ${seed}\n`);
  }

  /** The version its part is known to have at least. */
  current(): Version {
    const v = this.lastDone ?? this.start;
    if (v === null) throw new Error('the writer has not started');
    return v;
  }

  /** The version n of a hash it announced (or started from). */
  versionOf(hash: string): number | undefined {
    return this.announced.get(hash) ?? (this.start?.hash === hash ? this.start.n : undefined);
  }
}

/** Waits (woken by the writers' messages) until ok(); fails at once if a writer died by itself. */
async function until(
  what: string,
  ok: () => boolean,
  writers: readonly Writer[],
  pulse: Pulse,
  ms = PROGRESS_MS,
): Promise<number> {
  const started = Date.now();
  for (;;) {
    const dead = writers.find((w) => w.failed);
    if (dead) throw new Error(`a writer died by itself: ${dead.stderr}`);
    if (ok()) return Date.now() - started;
    if (Date.now() - started > ms) throw new Error(`waited ${ms} ms for ${what}`);
    await pulse.next(50);
  }
}

/** Waits `ms`: below 2 ms by spinning (timers have a millisecond's grain). */
async function pause(ms: number): Promise<void> {
  if (ms >= 2) {
    await sleep(ms);
    return;
  }
  const end = process.hrtime.bigint() + BigInt(Math.round(ms * 1e6));
  while (process.hrtime.bigint() < end) {
    // spin
  }
}

interface Tally {
  kills: number;
  /** Killed between "writing" and the rename / after the rename, before "done" / in between. */
  old: number;
  new: number;
  between: number;
  /** Killed with its temporary file written (the write, fsync or rename) / holding the lock / taking it. */
  duringWrite: number;
  holdingLock: number;
  takingLock: number;
  /** Killed in its first change (breaking the dead writer's lock, cleaning up after it). */
  firstChange: number;
  /** The longest a kill kept both writers from completing a change, ms. */
  longestStall: number;
}

async function killTest(
  subject: Subject,
  kills: number,
  seed: number,
  index: number,
): Promise<Tally> {
  const dir = await mkdtemp(join(tmpdir(), `sealcheck-kill-${subject.name}-`));
  const pulse = new Pulse();
  const all: Writer[] = [];
  const random = prng(seed ^ Math.imul(index + 1, 0x9e3779b9));
  const tally: Tally = {
    kills: 0,
    old: 0,
    new: 0,
    between: 0,
    duringWrite: 0,
    holdingLock: 0,
    takingLock: 0,
    firstChange: 0,
    longestStall: 0,
  };
  const spawnWriter = (): Writer => {
    const w = new Writer(writerScript, subject, dir, pulse);
    all.push(w);
    return w;
  };
  const store = subject.open(dir, { now: timeOf('a', 0) });
  const killedPids = new Set<number>();
  // A writer's temporary file appearing, then going (renamed): its write begins, and ends.
  const watcher = watch(dir, (event, name) => {
    if (event !== 'rename' || !name?.endsWith('.tmp')) return;
    const pid = ownerOf(name);
    const w = all.find((x) => x.child.pid === pid);
    if (!w) return;
    if (w.temps.has(name)) w.renamed++;
    else w.temps.add(name);
    pulse.beat();
  });
  try {
    // Two spare writers starting ahead (a start takes longer than a round).
    const spares = [spawnWriter(), spawnWriter()];
    /** Starts a spare writer in `slot` from version `from` (whose hash the parent knows). */
    const startIn = async (slot: Slot, from: Version): Promise<Writer> => {
      const w = spares.shift() ?? spawnWriter();
      spares.push(spawnWriter());
      await until('a writer to be ready', () => w.ready, all, pulse);
      w.go(slot, from.n + 1, seed);
      await until('a writer to read its part', () => w.start !== null, all, pulse);
      expect(w.start?.hash, `the ${slot} writer read another part than the parent`).toBe(from.hash);
      return w;
    };
    const emptyParts = await store.parts();
    const empty = (slot: Slot): Version => ({ n: 0, hash: contentHash(emptyParts[slot]) });
    const writers: Partial<Record<Slot, Writer>> = { a: await startIn('a', empty('a')) };
    const writerIn = (slot: Slot): Writer => {
      const w = writers[slot];
      if (!w) throw new Error(`no writer in ${slot}`);
      return w;
    };

    /** Kills the writer in `slot` and checks the file; returns the version its part has. */
    const killAndCheck = async (slot: Slot, round: number): Promise<Version> => {
      const victim = writerIn(slot);
      const other = writers[slot === 'a' ? 'b' : 'a'];
      victim.killed = true;
      victim.child.kill('SIGKILL');
      await victim.closed;
      killedPids.add(victim.child.pid ?? -1);
      if (victim.failed) throw new Error(`the ${slot} writer died by itself: ${victim.stderr}`);
      tally.kills++;
      // Read once all it wrote before it died has come in.
      const pending = victim.writing;
      if (victim.dones === 0) tally.firstChange++;
      const left = victim.leftovers;
      if (left.some((n) => n.endsWith('.tmp'))) tally.duringWrite++;
      if (left.some((n) => n.includes('.lock/'))) tally.holdingLock++;
      if (left.some((n) => n.endsWith('.new'))) tally.takingLock++;

      const otherFloor = other && !other.killed ? other.current().n : null;
      const parts: Partial<Record<Slot, unknown>> = subject.oneRead
        ? await store.parts()
        : { [slot]: await store.part(slot) };
      const hash = contentHash(parts[slot]);
      const old = victim.current();
      const where = `${subject.name}, kill ${round} (seed ${seed}): the ${slot} writer's part`;
      let version: Version;
      if (hash === old.hash) {
        version = old;
        if (pending) tally.old++;
        else tally.between++;
      } else if (pending !== null && hash === pending.hash) {
        version = pending;
        tally.new++;
      } else {
        const n = victim.versionOf(hash);
        throw new Error(
          `${where} is neither its last completed version (${old.n}) nor the one it was writing (${pending?.n ?? 'none'}): ${n === undefined ? 'content it never wrote' : `its version ${n} (a change lost)`}. Left: ${left.join(', ') || 'nothing'}`,
        );
      }
      if (subject.oneRead && other && otherFloor !== null) {
        // The other writer is running: its part is one of its versions, none lost. (It may
        // have announced the version just read without the parent having seen that yet.)
        const otherHash = contentHash(parts[other.slot ?? 'a']);
        await until(
          `the running writer's version ${otherHash}`,
          () => (other.versionOf(otherHash) ?? -1) >= otherFloor,
          all,
          pulse,
          2000,
        ).catch(() => {
          const n = other.versionOf(otherHash);
          throw new Error(
            `${subject.name}, kill ${round} (seed ${seed}): the running writer's part is ${n === undefined ? 'content it never wrote' : `its version ${n}`}, but it had completed ${otherFloor}`,
          );
        });
      }
      return version;
    };

    // Most kills with one writer at a time; the last 15 % with two (each waits for the
    // other's lock, so a round takes several times as long).
    const soloKills = Math.ceil(kills * 0.85);
    let avgChangeMs = 10;
    let timedFrom = 0;
    /** Kills since the last one after which a new writer completed a change. */
    let unsettled = 0;
    for (let round = 0; round < kills; round++) {
      if (round === soloKills) {
        writers.b = await startIn('b', empty('b'));
        timedFrom = all.length - 2;
      }
      const slot: Slot = writers.b && random() < 0.5 ? 'b' : 'a';
      const victim = writerIn(slot);
      // When its next temporary file appears, then log-uniform 1 µs to 2 ms (its write, fsync
      // and rename); when that file is renamed, then 1 µs to 0.5 ms (the directory's fsync,
      // the lock's release); or when it announces its next change or the one after, then
      // 1 µs to 1 ms, or uniform over one and a half changes.
      const mode = random();
      if (mode < 0.3) {
        const target = victim.temps.size + 1;
        await until(`the ${slot} writer's write`, () => victim.temps.size >= target, all, pulse);
        await pause(10 ** (random() * 3.3) / 1000);
      } else if (mode < 0.45) {
        const target = victim.renamed + 1;
        await until(`the ${slot} writer's rename`, () => victim.renamed >= target, all, pulse);
        await pause(10 ** (random() * 2.7) / 1000);
      } else {
        const target = victim.writings + 1 + Math.floor(random() * 2);
        await until(`the ${slot} writer's change`, () => victim.writings >= target, all, pulse);
        await pause(mode < 0.65 ? 10 ** (random() * 3) / 1000 : random() * 1.5 * avgChangeMs);
      }
      const killedAt = Date.now();
      const version = await killAndCheck(slot, round);
      unsettled++;
      const next = await startIn(slot, version);
      writers[slot] = next;
      // Every other round on average, the writer in its place completes a change before the
      // next kill: the dead one's lock did not stop it (a writer dies of a "locked" error
      // after 5 s), and it cleaned up after all the dead. Otherwise the next kill may come
      // during that first change (breaking the dead one's lock, cleaning up).
      const settle = random() < 0.5 || round === kills - 1;
      if (settle) {
        await until('the new writer to complete a change', () => next.dones >= 1, all, pulse);
        tally.longestStall = Math.max(tally.longestStall, Date.now() - killedAt);
      }
      const { names, inLock } = listing(dir, subject.fileName);
      const ofTheDead = (list: string[]) => list.filter((n) => killedPids.has(ownerOf(n) ?? -1));
      const dead = ofTheDead([...names, ...inLock]);
      const where = `${subject.name}, kill ${round}: ${names.join(', ')}`;
      if (settle) {
        expect(dead, `${subject.name}, kill ${round}: left by dead writers`).toEqual([]);
        unsettled = 0;
      } else {
        // Each writer killed since then may have left a temporary file, its lock being built
        // and its lock's entry; nothing of the ones before.
        expect(dead.length, where).toBeLessThanOrEqual(3 * unsettled);
      }
      // Besides: the file, the lock, a waiting writer's lock being built, a temporary file.
      expect(names.length - ofTheDead(names).length, where).toBeLessThanOrEqual(4);
      // How long a change takes now, as the parent sees it ("writing" to "done").
      const timed = all.slice(timedFrom).filter((w) => w.dones > 0);
      const dones = timed.reduce((sum, w) => sum + w.dones, 0);
      if (dones > 0) avgChangeMs = timed.reduce((sum, w) => sum + w.changeMs, 0) / dones;
    }

    // The end: the writers killed the same way, then one change by the parent cleans up.
    const final: Record<Slot, Version> = { a: empty('a'), b: empty('b') };
    for (const slot of SLOTS) {
      const w = writers[slot];
      if (!w) continue;
      const last = w.writings + 1;
      await until(`the ${slot} writer's change`, () => w.writings >= last, all, pulse);
      await pause(random() * avgChangeMs);
      final[slot] = await killAndCheck(slot, kills);
    }
    for (const spare of spares) {
      spare.killed = true;
      spare.child.kill('SIGKILL');
      await spare.closed;
    }
    await store.touch();
    expect(readdirSync(dir)).toEqual([subject.fileName]);
    const parts = await store.parts();
    for (const slot of SLOTS) expect(contentHash(parts[slot])).toBe(final[slot].hash);
    return tally;
  } finally {
    watcher.close();
    for (const w of all) {
      w.killed = true;
      w.child.kill('SIGKILL');
    }
    await Promise.all(all.map((w) => w.closed));
    await rm(dir, { recursive: true, force: true });
  }
}

describe('stores, their writers killed with SIGKILL at random moments', () => {
  for (const [index, subject] of SUBJECTS.entries()) {
    const runs = propertyRuns(DEFAULT_KILLS[subject.name]);
    const s = runs.seed ?? 0;
    const kills = runs.numRuns ?? DEFAULT_KILLS[subject.name];
    it(
      `${subject.name}: after every kill, exactly the old or the new version; nothing blocks or piles up`,
      async () => {
        const started = Date.now();
        const t = await killTest(subject, kills, s, index);
        console.info(
          `${subject.name}: ${t.kills} kills in ${((Date.now() - started) / 1000).toFixed(1)} s (seed ${s}): ` +
            `old ${t.old}, new ${t.new} (after the rename, before "done"), between changes ${t.between}; ` +
            `with its temporary file written ${t.duringWrite}, holding the lock ${t.holdingLock}, taking it ${t.takingLock}; in its first change ${t.firstChange}; ` +
            `longest stall ${t.longestStall} ms`,
        );
        if (kills >= 100) {
          // The kills really fell before, in and after the write.
          expect(t.old).toBeGreaterThan(0);
          expect(t.new).toBeGreaterThan(0);
          expect(t.duringWrite).toBeGreaterThan(0);
        }
      },
      Math.max(120_000, kills * 500),
    );
  }
});
