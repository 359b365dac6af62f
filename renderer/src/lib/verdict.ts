/**
 * How a verdict looks: an icon name and a tone, always beside its words (never colour alone).
 */
import type { checks, domain } from '../../../app/contract';
import { words } from './words';

export type VerdictKind = checks.VerdictView['kind'];
/** What happens to mail sent to a domain (the domain check's verdict). */
export type DomainVerdictKind = domain.DomainVerdictKind;
export type Tone = 'ok' | 'problem' | 'warn' | 'unknown';

export interface VerdictLook {
  /** The icon's name: a check mark, a cross, a warning sign, a question mark, a dash. */
  readonly icon: 'check' | 'cross' | 'warning' | 'question' | 'dash';
  readonly tone: Tone;
  /** Short words for badges, e.g. in the overview ("Verified"). */
  readonly short: string;
}

export function verdictLook(kind: VerdictKind | DomainVerdictKind | null): VerdictLook {
  const { short } = words.verdict;
  switch (kind) {
    case 'encrypted-verified':
      return { icon: 'check', tone: 'ok', short: short[kind] };
    case 'encrypted-unverified':
      return { icon: 'warning', tone: 'problem', short: short[kind] };
    case 'encryption-removable':
      return { icon: 'warning', tone: 'warn', short: short[kind] };
    case 'not-encrypted':
      return { icon: 'cross', tone: 'problem', short: short[kind] };
    case 'could-not-check':
      return { icon: 'question', tone: 'unknown', short: short[kind] };
    case 'not-served':
      return { icon: 'dash', tone: 'unknown', short: short[kind] };
    case 'protected':
      return { icon: 'check', tone: 'ok', short: short[kind] };
    case 'downgrade-possible':
      return { icon: 'warning', tone: 'warn', short: short[kind] };
    case 'delivery-at-risk':
      return { icon: 'warning', tone: 'problem', short: short[kind] };
    case 'plaintext':
      return { icon: 'cross', tone: 'problem', short: short[kind] };
    case 'no-mail':
      return { icon: 'dash', tone: 'unknown', short: short[kind] };
    case null:
      return { icon: 'dash', tone: 'unknown', short: short.none };
  }
}

export function severityWords(s: 'critical' | 'warning' | 'info'): string {
  return words.verdict.severity[s];
}

/** Worst first: critical, warning, info (the view sorts findings by this). */
export function severityRank(s: 'critical' | 'warning' | 'info'): number {
  return s === 'critical' ? 0 : s === 'warning' ? 1 : 2;
}
