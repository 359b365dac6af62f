/**
 * Plain words for the self-check. The app sends facts (versions, counts, backend names);
 * this module alone turns them into sentences for the view, from the words catalog.
 */
import type { SelfCheckItem, SelfCheckReport } from '../../../app/contract';
import type { StepState } from './self-check.svelte';
import { words } from './words';

type Facts = SelfCheckItem['facts'];

const w = words.selfCheck;
const titles: Readonly<Record<string, string>> = w.stepTitles;

/** The step's name for people; unknown steps keep their id rather than vanish. */
export function stepTitle(step: string): string {
  return titles[step] ?? step;
}

export function progressLabel(state: StepState): string {
  return w.states[state];
}

const backendNames: Readonly<Record<string, string>> = w.keychains;

/** A step's result: one plain sentence, and the technical detail folded away beneath it. */
export interface StepWords {
  readonly summary: string;
  readonly technical: string | null;
}

/** The verdict first, the version or count after it; error text only as technical detail. */
export function describeItem(item: SelfCheckItem): StepWords {
  const { facts } = item;
  switch (item.step) {
    case 'tls': {
      const openssl = text(facts, 'openssl');
      const range = versionRange(text(facts, 'minVersion'), text(facts, 'maxVersion'));
      const versions = [openssl ? w.openssl(openssl) : null, range].filter(Boolean).join(', ');
      if (item.ok)
        return { summary: versions ? w.availableWith(versions) : w.available, technical: null };
      return {
        summary: w.tlsMissing,
        technical: [versions, reason(item)].filter(Boolean).join(': ') || null,
      };
    }
    case 'roots': {
      const publicCount = count(facts, 'bundled');
      const systemCount = count(facts, 'system');
      const publicPart = publicCount === null ? null : w.publicRoots(publicCount);
      const systemPart =
        systemCount === null ? w.systemRootsUnreadable : w.systemRoots(systemCount);
      if (item.ok) {
        return {
          summary: w.rootsKnown([publicPart, systemPart].filter(Boolean).join(', ')),
          technical: null,
        };
      }
      return {
        summary: w.rootsMissing,
        technical: reason(item) ?? w.anchorsFound(publicCount ?? 0),
      };
    }
    case 'keychain': {
      const backend = text(facts, 'backend');
      const where = backend ? (backendNames[backend] ?? backend) : null;
      if (item.ok) {
        return {
          summary: where ? w.keychainAt(where) : w.available,
          technical: null,
        };
      }
      return {
        summary: w.keychainMissing,
        technical: reason(item) ?? (where ? w.noAnswerFrom(where) : null),
      };
    }
  }
}

/** The one-sentence verdict over the whole report. */
export function verdict(report: SelfCheckReport): string {
  if (report.ok) return w.ready;
  const failed = new Set(report.items.filter((i) => !i.ok).map((i) => i.step));
  if (failed.size === 1 && failed.has('keychain')) return w.noKeychain;
  return w.someMissing;
}

/** "TLSv1.2" and "TLSv1.3" → "TLS 1.2 to 1.3". */
function versionRange(min: string | null, max: string | null): string | null {
  const short = (v: string | null) => v?.replace(/^TLSv/, '') ?? null;
  const lo = short(min);
  const hi = short(max);
  if (lo && hi) return lo === hi ? w.tlsVersion(lo) : w.tlsRange(lo, hi);
  return lo ? w.tlsFrom(lo) : hi ? w.tlsUpTo(hi) : null;
}

/** The error text the app sent for a failed step, if any. */
function reason(item: SelfCheckItem): string | null {
  return item.error?.trim() || text(item.facts, 'reason');
}

function text(facts: Facts, ...keys: string[]): string | null {
  for (const key of keys) {
    const value = facts[key];
    if (typeof value === 'string' && value !== '') return value;
  }
  return null;
}

function count(facts: Facts, ...keys: string[]): number | null {
  for (const key of keys) {
    const value = facts[key];
    if (typeof value === 'number') return value;
  }
  return null;
}
