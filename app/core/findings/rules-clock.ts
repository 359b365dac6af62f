/**
 * This computer's clock, judged from what a server said (the time in its greeting) against the
 * certificate dates. A certificate that looks expired or not yet valid here, but is valid at the
 * time the server states, points at this computer's clock: "your clock is 3 days behind", not
 * "certificate not yet valid". One server's word is not proof (its own clock may be wrong), so
 * the server's time only replaces the date findings when it explains them completely.
 */
import type { AddressFacts } from '../facts/endpoint';
import type { Finding } from './types';

/** Smaller differences are network delay, a slow greeting or ordinary drift: not acted on. */
export const CLOCK_EVIDENCE_MIN_SECONDS = 10 * 60;

export interface StatedClock {
  /** The server's stated time minus this computer's, in seconds (positive: the server is ahead). */
  readonly seconds: number;
  /**
   * The same in milliseconds, taking the stated time at the end of its second (servers write
   * whole seconds, so their clock read up to 999 ms later than the text says).
   */
  readonly offsetMs: number;
  /** The date text as the server wrote it. */
  readonly said: string;
}

/** The difference the address's greeting reveals, when it is large enough to matter. */
export function statedClock(a: AddressFacts): StatedClock | null {
  const t = a.greeting?.serverTime;
  if (!t) return null;
  const offsetMs = Date.parse(t.at) + 999 - Date.parse(t.receivedAt);
  const seconds = Math.round(offsetMs / 1000);
  if (!Number.isFinite(seconds) || Math.abs(seconds) < CLOCK_EVIDENCE_MIN_SECONDS) return null;
  return { seconds, offsetMs, said: t.said };
}

const DATE_FINDINGS = new Set<Finding['id']>([
  'cert.expired',
  'cert.not-yet-valid',
  'clock.suspect',
]);

/** Whether the certificate findings hold a date problem the server's clock could explain. */
export function hasDateProblem(found: readonly Finding[]): boolean {
  return found.some((f) => DATE_FINDINGS.has(f.id));
}

/**
 * The findings with their date problems replaced by one clock.suspect on the server's word. Call
 * only when the chain, judged at the server's time, has no date problem left.
 */
export function explainedByClock(found: readonly Finding[], clock: StatedClock): Finding[] {
  const dated = found.filter((f) => DATE_FINDINGS.has(f.id));
  const first = dated[0];
  if (!first) return [...found];
  const cert = 'cert' in first.evidence ? first.evidence.cert : undefined;
  if (cert === undefined) return [...found];
  const clockFinding: Finding = {
    id: 'clock.suspect',
    // Critical: the app cannot check the server's identity until the clock is right.
    severity: 'critical',
    subject: first.subject,
    evidence: {
      cert,
      skewSeconds: -clock.seconds,
      basis: 'server-time',
      serverSaid: clock.said,
    },
  };
  return [...found.filter((f) => !DATE_FINDINGS.has(f.id)), clockFinding];
}
