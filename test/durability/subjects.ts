/**
 * The stores the kill test (store-kill.test.ts) kills writers of, each behind one interface:
 * the account store, the settings file (the generic JSON file store) and the check history,
 * opened through their real APIs. Two writers share each file; each owns one part of it (a
 * slot, "a" or "b": its accounts, its roots, its endpoints) and leaves the other's untouched,
 * so every part has one writer and an exact expected content at every version.
 *
 * A writer's change number n is chosen from (seed, slot, n) alone, and `next` says what the
 * writer's part will be once the change is made: the writer announces that content's hash
 * before it starts, the parent compares it with what it reads back.
 */
import { createHash } from 'node:crypto';
import type { Account, CertificateException, NewAccount } from '../../app/core/accounts/model';
import { openAccountStore } from '../../app/core/accounts/store';
import {
  HISTORY_FILE,
  historyKey,
  MAX_PER_ENDPOINT,
  openHistory,
  type HistoryRecord,
} from '../../app/core/history/store';
import { openSettings, SETTINGS_FILE, type SettingsFile } from '../../app/main/settings-file';

export type Slot = 'a' | 'b';
export const SLOTS: readonly Slot[] = ['a', 'b'];

/** The stores' clock: set by the writer before each change, so times are known beforehand. */
export interface Clock {
  now: Date;
}

/** The time of change n (within days of each other: the history's retention never bites). */
export function timeOf(slot: Slot, n: number): Date {
  return new Date(Date.UTC(2026, 0, 1) + n * 1000 + (slot === 'a' ? 0 : 500));
}

export interface Change {
  /** The writer's part once the change is made. */
  readonly after: unknown;
  /** Makes the change through the store's API. */
  readonly run: () => Promise<unknown>;
}

export interface OpenStore {
  /** Each slot's part, read through the store's API. */
  parts(): Promise<Record<Slot, unknown>>;
  /** One slot's part (for the history, fewer reads than parts()). */
  part(slot: Slot): Promise<unknown>;
  /** The slot's change number n, from its part before it. */
  next(slot: Slot, n: number, part: unknown, random: () => number): Change;
  /** A change of nobody's part (the parent's, at the end). */
  touch(): Promise<unknown>;
}

export interface Subject {
  readonly name: 'accounts' | 'settings' | 'history';
  readonly fileName: string;
  /**
   * Whether parts() is one read of the file. When it is not (the history: one read per
   * endpoint), only a stopped writer's part is sure to be read at one version.
   */
  readonly oneRead: boolean;
  open(directory: string, clock: Clock): OpenStore;
}

/** A part's content as text: JSON with sorted keys (key order is not content). */
export function canonical(value: unknown): string {
  const sorted = (x: unknown): unknown => {
    if (Array.isArray(x)) return x.map(sorted);
    if (x !== null && typeof x === 'object') {
      const o = x as Record<string, unknown>;
      return Object.fromEntries(
        Object.keys(o)
          .filter((k) => o[k] !== undefined)
          .sort()
          .map((k) => [k, sorted(o[k])]),
      );
    }
    return x;
  };
  return JSON.stringify(sorted(value));
}

export function contentHash(value: unknown): string {
  return createHash('sha256').update(canonical(value)).digest('hex').slice(0, 16);
}

/** mulberry32: a small seeded PRNG, numbers in [0, 1). */
export function prng(seed: number): () => number {
  let t = seed >>> 0;
  return () => {
    t = (t + 0x6d2b79f5) >>> 0;
    let x = Math.imul(t ^ (t >>> 15), 1 | t);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

/** The PRNG of one change: the same (seed, slot, n) always makes the same change. */
export function changeRandom(seed: number, slot: Slot, n: number): () => number {
  return prng(createHash('sha256').update(`${seed}/${slot}/${n}`).digest().readUInt32BE(0));
}

const int = (random: () => number, below: number): number => Math.floor(random() * below);

function hex(random: () => number, bytes: number): string {
  let s = '';
  for (let i = 0; i < bytes; i++) s += int(random, 256).toString(16).padStart(2, '0');
  return s.toUpperCase();
}

const fingerprint = (random: () => number): string => hex(random, 32).replace(/(..)(?!$)/g, '$1:');

// --- the account store -----------------------------------------------------------------------

/** Up to this many accounts a writer, up to 80 exceptions each: files of 100 to 300 kB. */
const MAX_ACCOUNTS_EACH = 12;

function exceptions(random: () => number, at: string): CertificateException[] {
  return Array.from({ length: int(random, 81) }, (_, i) => ({
    sha256: fingerprint(random),
    host: `mail${i}.example.org`,
    port: 993,
    acceptedAt: at,
    origin: 'sealcheck' as const,
  }));
}

const accounts: Subject = {
  name: 'accounts',
  fileName: 'accounts.json',
  oneRead: true,
  open(directory, clock) {
    let nextId = '';
    const store = openAccountStore({
      directory,
      now: () => clock.now,
      newId: () => nextId,
    });
    return {
      async parts() {
        const all = await store.list();
        return {
          a: all.filter((x) => x.username === 'a'),
          b: all.filter((x) => x.username === 'b'),
        };
      },
      async part(slot) {
        return (await this.parts())[slot];
      },
      next(slot, n, part, random) {
        const mine = part as Account[];
        const at = timeOf(slot, n).toISOString();
        const r = random();
        const pick = mine[int(random, mine.length)];
        if (pick === undefined || (r < 0.35 && mine.length < MAX_ACCOUNTS_EACH)) {
          const id = `${slot}-${n}`;
          const input = {
            displayName: `${slot} ${n}`,
            address: `${slot}.${n}@example.org`,
            username: slot,
            incoming: {
              protocol: 'imap',
              host: 'imap.example.org',
              port: 993,
              security: 'implicit',
            },
            outgoing: {
              protocol: 'submission',
              host: 'smtp.example.org',
              port: 587,
              security: 'starttls',
            },
            chat: null,
            certificateExceptions: exceptions(random, at),
            source: 'manual',
            authentication: 'password',
          } satisfies NewAccount;
          const account: Account = { ...input, id, createdAt: at, updatedAt: at };
          return {
            after: [...mine, account],
            run: () => {
              nextId = id;
              return store.add(input);
            },
          };
        }
        if (r < 0.55) {
          return { after: mine.filter((x) => x.id !== pick.id), run: () => store.remove(pick.id) };
        }
        const changes = {
          displayName: `${slot} ${n} (changed)`,
          certificateExceptions: exceptions(random, at),
        };
        return {
          after: mine.map((x) => (x.id === pick.id ? { ...x, ...changes, updatedAt: at } : x)),
          run: () => store.update(pick.id, changes),
        };
      },
      touch: () => {
        nextId = 'parent';
        return store.add({
          displayName: 'the parent',
          address: 'parent@example.org',
          username: 'parent',
          incoming: null,
          outgoing: null,
          chat: null,
        });
      },
    };
  },
};

// --- the settings file (the generic JSON file store) -----------------------------------------

/** Up to this many roots a writer (the file holds 20), up to 60 kB each. */
const MAX_ROOTS_EACH = 9;

function pem(random: () => number): string {
  const line = Array.from({ length: 48 }, () => hex(random, 1)).join('');
  const lines = Array.from({ length: 1 + int(random, 600) }, (_, i) =>
    `${line.slice(i % 96)}${line.slice(0, i % 96)}`.slice(0, 64),
  );
  return `-----BEGIN CERTIFICATE-----\n${lines.join('\n')}\n-----END CERTIFICATE-----\n`;
}

type Roots = SettingsFile['extraRoots'];
interface SettingsPart {
  /** Only writer a's: a part of the file only one writer changes. */
  readonly timeoutSeconds?: number;
  readonly roots: Roots;
}

const settings: Subject = {
  name: 'settings',
  fileName: SETTINGS_FILE,
  oneRead: true,
  open(directory) {
    const file = openSettings(directory);
    // The changes core-checks.ts makes (settings.setTimeout, .addRoot, .removeRoot).
    const setTimeout = (seconds: number) =>
      file.change((s) => ({ value: { ...s, timeoutSeconds: seconds }, result: null }));
    const addRoot = (label: string, text: string) =>
      file.change((s) => ({
        value: {
          ...s,
          extraRoots: [...s.extraRoots.filter((r) => r.label !== label), { label, pem: text }],
        },
        result: null,
      }));
    const removeRoot = (label: string) =>
      file.change((s) => ({
        value: { ...s, extraRoots: s.extraRoots.filter((r) => r.label !== label) },
        result: null,
      }));
    return {
      async parts() {
        const s = await file.read();
        const roots = (slot: Slot) => s.extraRoots.filter((r) => r.label.startsWith(`${slot}/`));
        return {
          a: { timeoutSeconds: s.timeoutSeconds, roots: roots('a') },
          b: { roots: roots('b') },
        };
      },
      async part(slot) {
        return (await this.parts())[slot];
      },
      next(slot, n, part, random) {
        const mine = part as SettingsPart;
        const r = random();
        const pick = mine.roots[int(random, mine.roots.length)];
        if (pick !== undefined && (mine.roots.length >= MAX_ROOTS_EACH || r < 0.3)) {
          return {
            after: { ...mine, roots: mine.roots.filter((x) => x.label !== pick.label) },
            run: () => removeRoot(pick.label),
          };
        }
        if (slot === 'a' && r < 0.45) {
          const seconds = 5 + int(random, 296);
          return { after: { ...mine, timeoutSeconds: seconds }, run: () => setTimeout(seconds) };
        }
        const root = { label: `${slot}/${n}`, pem: pem(random) };
        return {
          after: { ...mine, roots: [...mine.roots, root] },
          run: () => addRoot(root.label, root.pem),
        };
      },
      touch: () => file.change((s) => ({ value: s, result: null })),
    };
  },
};

// --- the check history -----------------------------------------------------------------------

/** Endpoints a writer records (20 records each, up to 100 finding ids a record). */
const ENDPOINTS_EACH = 3;
const VERDICTS: readonly HistoryRecord['verdict'][] = [
  'encrypted-verified',
  'encrypted-unverified',
  'encryption-removable',
  'not-encrypted',
  'could-not-check',
];

const history: Subject = {
  name: 'history',
  fileName: HISTORY_FILE,
  oneRead: false,
  open(directory, clock) {
    const store = openHistory({ directory, now: () => clock.now });
    const part = async (slot: Slot) => {
      const keys = (await store.keysOf(slot)).sort();
      return Object.fromEntries(await Promise.all(keys.map(async (k) => [k, await store.list(k)])));
    };
    return {
      async parts() {
        return { a: await part('a'), b: await part('b') };
      },
      part,
      next(slot, n, before, random) {
        const mine = before as Record<string, HistoryRecord[]>;
        const key = historyKey(slot, {
          protocol: 'imap',
          host: `mail${int(random, ENDPOINTS_EACH)}.example.org`,
          port: 993,
        });
        const record: HistoryRecord = {
          checkedAt: timeOf(slot, n).toISOString(),
          verdict: VERDICTS[int(random, VERDICTS.length)] ?? 'encrypted-verified',
          findingIds: Array.from({ length: int(random, 101) }, () => `finding.${hex(random, 24)}`),
          leafSha256: random() < 0.2 ? null : fingerprint(random),
          starttlsOffered: random() < 0.5 ? null : random() < 0.5,
        };
        return {
          after: { ...mine, [key]: [record, ...(mine[key] ?? [])].slice(0, MAX_PER_ENDPOINT) },
          run: () => store.add(key, record),
        };
      },
      touch: () =>
        store.add(historyKey('parent', { protocol: 'imap', host: 'mail.example.org', port: 993 }), {
          checkedAt: timeOf('a', 0).toISOString(),
          verdict: 'not-served',
          findingIds: [],
          leafSha256: null,
          starttlsOffered: null,
        }),
    };
  },
};

export const SUBJECTS: readonly Subject[] = [accounts, settings, history];

export function subjectNamed(name: string): Subject {
  const s = SUBJECTS.find((x) => x.name === name);
  if (!s) throw new Error(`no store ${name}`);
  return s;
}
