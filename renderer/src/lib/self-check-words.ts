/**
 * Plain words for the self-check. The app sends facts (versions, counts, backend names);
 * this module alone turns them into sentences for the view.
 */
import type { SelfCheckItem, SelfCheckReport } from '../../../app/contract';
import type { StepState } from './self-check.svelte';

type Facts = SelfCheckItem['facts'];

const titles: Record<string, string> = {
  tls: 'Secure connections',
  roots: 'Trusted authorities',
  keychain: 'Password storage (keychain)',
};

/** The step's name for people; unknown steps keep their id rather than vanish. */
export function stepTitle(step: string): string {
  return titles[step] ?? step;
}

export function progressLabel(state: StepState): string {
  switch (state) {
    case 'started':
      return 'Checking…';
    case 'done':
      return 'Done';
    case 'failed':
      return 'Failed';
  }
}

const backendNames: Record<string, string> = {
  'secret-service': 'the system keyring (Secret Service)',
  keychain: 'the macOS Keychain',
  'macos-keychain': 'the macOS Keychain',
  'windows-credential-manager': 'Windows Credential Manager',
  'credential-manager': 'Windows Credential Manager',
};

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
      const versions = [openssl ? `OpenSSL ${openssl}` : null, range].filter(Boolean).join(', ');
      if (item.ok)
        return { summary: `Available${versions ? ` (${versions})` : ''}.`, technical: null };
      return {
        summary: 'Not available: Sealcheck cannot test encrypted connections on this computer.',
        technical: [versions, reason(item)].filter(Boolean).join(': ') || null,
      };
    }
    case 'roots': {
      const publicCount = count(facts, 'bundled');
      const systemCount = count(facts, 'system');
      const publicPart = publicCount === null ? null : `${publicCount} public`;
      const systemPart =
        systemCount === null
          ? "this system's own list could not be read"
          : `${systemCount} from this system`;
      if (item.ok) {
        return {
          summary: `Known: ${[publicPart, systemPart].filter(Boolean).join(', ')}.`,
          technical: null,
        };
      }
      return {
        summary:
          'Not known: Sealcheck cannot tell whether a server’s certificate comes from a trusted authority.',
        technical: reason(item) ?? `Trust anchors found: ${publicCount ?? 0} bundled.`,
      };
    }
    case 'keychain': {
      const backend = text(facts, 'backend');
      const where = backend ? (backendNames[backend] ?? backend) : null;
      if (item.ok) {
        return {
          summary: where ? `Available: passwords go to ${where}.` : 'Available.',
          technical: null,
        };
      }
      return {
        summary: 'Not available: Sealcheck will not store passwords on this computer.',
        technical: reason(item) ?? (where ? `No answer from ${where}.` : null),
      };
    }
  }
}

/** The one-sentence verdict over the whole report. */
export function verdict(report: SelfCheckReport): string {
  if (report.ok) return 'This computer is ready to check your connections.';
  const failed = new Set(report.items.filter((i) => !i.ok).map((i) => i.step));
  if (failed.size === 1 && failed.has('keychain')) {
    return 'Sealcheck can check your connections, but it cannot store passwords on this computer.';
  }
  return 'Some checks cannot run on this computer. The steps below say which.';
}

/** "TLSv1.2" and "TLSv1.3" → "TLS 1.2 to 1.3". */
function versionRange(min: string | null, max: string | null): string | null {
  const short = (v: string | null) => v?.replace(/^TLSv/, '') ?? null;
  const lo = short(min);
  const hi = short(max);
  if (lo && hi) return lo === hi ? `TLS ${lo}` : `TLS ${lo} to ${hi}`;
  return lo ? `TLS ${lo} or newer` : hi ? `TLS up to ${hi}` : null;
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
