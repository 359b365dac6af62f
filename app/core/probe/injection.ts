/**
 * The STARTTLS command-injection test (NO STARTTLS, USENIX Security 2021), on its own connection
 * because STARTTLS must end a pipeline and some servers drop pipelining clients:
 *
 *  1. connect (plain TCP), greet, list capabilities, as the main dialog does;
 *  2. send the STARTTLS command and a harmless second command (NOOP, CAPA, …) in ONE write,
 *     so both reach the server in one TCP segment, as an attacker would inject them;
 *  3. read the STARTTLS reply; on the go-ahead, upgrade: the Connection reads and keeps any
 *     plaintext the server sent after its go-ahead (evidence, never treated as TLS data);
 *  4. inside TLS, send a FENCE (dialog.injectionFence: IMAP a second NOOP with a fresh tag, SMTP
 *     HELP, POP3 CAPA) whose reply the dialog tells apart from the injected command's, and read
 *     until one of them arrives. Replies come in order: the injected command's answer first means
 *     the server executed plaintext an attacker could have injected (vulnerable); the fence's
 *     first means it did not. No timed wait: bounded by the step's deadline only.
 *     Dialogs without a fence (XMPP, whose fixed servers answer the injected stanza with a stream
 *     error or a close rather than in order; POP3 when CAPA was refused) send nothing and wait a
 *     while for unsolicited data instead (DEFAULT_INJECTION_WAIT_MS, longer on slow links).
 *
 * Never sends a credential: there is no login here at all.
 */
import { performance } from 'node:perf_hooks';
import type { InjectionFacts } from '../facts/endpoint';
import type { ProbeErrorFact } from '../net/errors';
import { escapePreview, MAX_SHOWN_CHARS } from '../net/escape';
import type { Connection, TlsStartOptions } from '../net/types';
import type { Dialog, DialogContext } from '../protocols/dialog';
import { asProbeError } from './status';

/**
 * Without a fence: how long to wait inside TLS for an answer to the injected command (ms), at least.
 * A vulnerable server answers right after its handshake, but its answer can sit behind Nagle's
 * algorithm until our delayed ACK (40 ms on Linux, up to 200 ms elsewhere), so the floor stays
 * well above that; on slow links the wait grows with the measured round trip (below).
 */
export const DEFAULT_INJECTION_WAIT_MS = 400;
/** The wait is at least this many round trips of the pipelined STARTTLS exchange. */
const WAIT_ROUND_TRIPS = 4;
const MAX_WAIT_MS = 5_000;

export interface InjectionTestOptions {
  readonly dialog: Dialog;
  /** Opens the test's own plain TCP connection (counted by the caller). */
  readonly open: () => Promise<Connection>;
  readonly context: (connection: Connection) => DialogContext;
  readonly tls: TlsStartOptions;
  /** The least wait inside TLS when the dialog has no fence; longer when the round trip is slow. */
  readonly waitMs: number;
  /** Milliseconds clock (default performance.now). */
  readonly now?: () => number;
}

export interface InjectionTestResult {
  readonly facts: InjectionFacts;
  /** The test connection, when it was opened (for its transcript). */
  readonly connection: Connection | null;
}

/** Reply lines the dialog already escaped, joined whole while they fit in one evidence string. */
function joinFactLines(lines: readonly string[]): string {
  let out = '';
  for (const [i, line] of lines.entries()) {
    const next = out === '' ? line : `${out} | ${line}`;
    if (next.length > MAX_SHOWN_CHARS && out !== '') return `${out} | … ${lines.length - i} more`;
    out = next;
  }
  return out;
}

function plaintextEvidence(bytes: Buffer): string {
  return `plaintext after the go-ahead (${bytes.length} bytes): ${escapePreview(bytes)}`;
}

/**
 * Settles an 'unknown' result whose handshake the server broke off (reset or closed): when the
 * same server completed a handshake on the main connection, it refused the handshake because of
 * the pipelined command, so the command was never answered inside TLS — not vulnerable.
 */
export function settleHandshakeRefusal(
  facts: InjectionFacts,
  mainHandshakeOk: boolean,
): InjectionFacts {
  const e = facts.error;
  if (facts.vulnerable !== 'unknown' || !mainHandshakeOk || e === undefined) return facts;
  if (e.step !== 'handshake' || (e.kind !== 'reset' && e.kind !== 'closed')) return facts;
  return {
    ...facts,
    vulnerable: false,
    evidence: [
      ...facts.evidence,
      'the server broke off the TLS handshake after the pipelined command (it completed one without it): nothing was answered inside TLS',
    ],
  };
}

export async function runInjectionTest(
  options: InjectionTestOptions,
): Promise<InjectionTestResult> {
  const evidence: string[] = [];
  let command = '';
  let connection: Connection | null = null;
  const result = (vulnerable: InjectionFacts['vulnerable'], error?: ProbeErrorFact) => ({
    facts: {
      tested: command !== '',
      command,
      vulnerable,
      evidence,
      ...(error !== undefined ? { error } : {}),
    },
    connection,
  });
  try {
    connection = await options.open();
    const session = options.dialog.create(connection, options.context(connection));
    const greeting = await session.greet();
    if (greeting.kind !== 'ok') {
      connection.note('injection test: the greeting was not a plain "ready"; test not run');
      return result('unknown');
    }
    await session.capabilities('before-tls');
    const injected = session.injectionCommand();
    command = injected.name;
    const payload = session.startTlsCommand() + injected.data;
    connection.note(
      `injection test: STARTTLS and ${injected.name} sent in one write (one TCP segment)`,
    );
    const now = options.now ?? (() => performance.now());
    const sentAt = now();
    await connection.write('injection-probe', payload);
    const reply = await session.readStartTlsReply();
    const roundTrip = now() - sentAt;
    if (reply.outcome !== 'accepted') {
      evidence.push(
        `STARTTLS not accepted when pipelined: ${escapePreview(reply.reply.join(' | '))}`,
      );
      return result('unknown');
    }
    // Bytes already here after the go-ahead are plaintext (the client speaks first in TLS).
    // Taken now, so that they are evidence even if the server then breaks off the handshake.
    const early = await connection.drain('injection-probe', 0);
    if (early.length > 0) evidence.push(plaintextEvidence(early));
    const upgrade = await connection.startTls(options.tls);
    if (upgrade.plaintextAfterGoAhead.length > 0) {
      evidence.push(plaintextEvidence(upgrade.plaintextAfterGoAhead));
    }
    const fence = session.injectionFence?.() ?? null;
    if (fence !== null) {
      connection.note(
        `injection test: ${fence.name} sent inside TLS as a fence; an answer to ${injected.name} before its reply means the injected command was executed`,
      );
      await connection.write('injection-probe', fence.data);
      const answered = await fence.read();
      const lines = joinFactLines(answered.lines);
      if (answered.first === 'injected-answer') {
        evidence.push(
          `${injected.name} answered inside TLS before the ${fence.name} fence: ${lines}`,
        );
        return result(true);
      }
      connection.note(
        `injection test: only the ${fence.name} fence was answered inside TLS: ${lines}`,
      );
      return result(false);
    }
    const wait = Math.round(
      Math.min(MAX_WAIT_MS, Math.max(options.waitMs, WAIT_ROUND_TRIPS * roundTrip)),
    );
    connection.note(`injection test: waiting ${wait} ms inside TLS for an unsolicited answer`);
    const inside = await connection.drain('injection-probe', wait);
    if (inside.length > 0) {
      evidence.push(`unsolicited inside TLS (${inside.length} bytes): ${escapePreview(inside)}`);
      return result(true);
    }
    return result(false);
  } catch (err) {
    // Fixed servers often hang up when data follows STARTTLS (Dovecot) or read it as a new
    // plaintext stream (Prosody); see settleHandshakeRefusal for what the caller makes of it.
    return result('unknown', asProbeError(err, 'injection-probe').fact);
  } finally {
    await connection?.close().catch(() => undefined);
  }
}
