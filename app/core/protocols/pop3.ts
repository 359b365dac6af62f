/**
 * POP3 (RFC 1939), with CAPA (RFC 2449), STLS (RFC 2595), SASL (RFC 5034) and implicit TLS on
 * 995 (RFC 8314).
 *
 * The dialog, in the order the probe drives it:
 *
 *  1. Greeting: one line. `+OK …` (ready; an APOP timestamp `<…@…>` stays in the greeting's
 *     lines), `-ERR …` (service refused). Anything else is a protocol error with the line.
 *  2. `CAPA` before TLS → `+OK` and a multi-line list ended by "." (dot-unstuffed): STLS,
 *     SASL <mechanisms>, USER, and the rest kept as extensions. `-ERR` (an RFC 1939-only
 *     server) → not listed, STARTTLS unknown: the probe tries STLS anyway.
 *  3. Login before TLS, without a secret: `AUTH PLAIN` with no initial response. A `+`
 *     continuation means the server invites a password in clear; we cancel at once with `*`
 *     and read its `-ERR`. `-ERR` at once means it does not. Tried whether or not SASL PLAIN is
 *     listed. USER/PASS is never sent here; Capabilities.passwordLogin says whether USER is
 *     offered.
 *  4. `STLS` → `+OK` (go ahead), `-ERR` (refused), `-ERR [SYS/TEMP]` (temporarily unavailable,
 *     RFC 3206). The probe then upgrades the connection.
 *  5. `CAPA` again inside TLS.
 *  6. Optionally log in, only over TLS with a verified identity (Connection.writeSecret):
 *     `AUTH PLAIN <initial response>` when SASL PLAIN is listed, else `USER` and `PASS`.
 *  7. `QUIT`; errors are ignored.
 *
 * Injection test, on its own connection: `STLS\r\nNOOP\r\n` in one write, then only the STLS
 * reply is read. Inside TLS the fence `CAPA` is sent (only when CAPA was answered before TLS)
 * and two lines are read. An answer to NOOP (`+OK`, or `-ERR` before login: an answer too) is
 * one status line, so a status line followed by another status line (CAPA's `+OK`) means NOOP
 * was answered first: vulnerable. `+OK` followed by a capability line or "." is CAPA's own
 * reply: not vulnerable. A lone `-ERR` (CAPA refused inside TLS) ends in the step's deadline.
 *
 * Framing (one status line; a multi-line body up to "." with dot-unstuffing) is kept apart from
 * the dialog (Pop3Session) and from the pure parsers, which the unit tests call directly.
 */
import type { Capabilities, Greeting, LoginBeforeTlsFacts } from '../facts/endpoint';
import type { Step } from '../net/errors';
import type { Connection } from '../net/types';
import type {
  Dialog,
  DialogContext,
  DialogSession,
  InjectionFence,
  LoginResult,
  StartTlsReply,
} from './dialog';
import {
  CREDENTIALS_REMOVED,
  factLines,
  factText,
  PASSWORD_REMOVED,
  protocolError,
  SASL_CANCEL,
  saslPlainResponse,
} from './line-replies';

// ── Pure parsers ─────────────────────────────────────────────────────────

/** A POP3 status or continuation line: `+OK …`, `-ERR …`, or a SASL `+ …` (RFC 5034). */
export type Pop3Line =
  | { readonly type: 'ok'; readonly text: string }
  | { readonly type: 'err'; readonly text: string; readonly code: string | null }
  | { readonly type: 'continuation'; readonly text: string }
  | { readonly type: 'invalid' };

export function parsePop3Line(line: string): Pop3Line {
  const ok = /^\+OK(?: (.*))?$/is.exec(line);
  if (ok) return { type: 'ok', text: ok[1] ?? '' };
  const err = /^-ERR(?: (.*))?$/is.exec(line);
  if (err) {
    const text = err[1] ?? '';
    // RFC 2449 §8: an extended response code in brackets, e.g. [SYS/TEMP], [IN-USE].
    const code = /^\[([^\]]+)\]/.exec(text)?.[1]?.toUpperCase() ?? null;
    return { type: 'err', text, code };
  }
  if (line === '+' || line.startsWith('+ ')) return { type: 'continuation', text: line.slice(2) };
  return { type: 'invalid' };
}

/**
 * One line of a multi-line response (RFC 1939 §3): null for the terminating ".", else the line
 * with its byte-stuffed leading dot removed.
 */
export function unstuffLine(line: string): string | null {
  if (line === '.') return null;
  return line.startsWith('.') ? line.slice(1) : line;
}

/** The APOP timestamp `<…>` of a greeting (RFC 1939 §7), or null. */
export function apopTimestamp(greetingLine: string): string | null {
  return /<[^<>\s]*@[^<>\s]*>/.exec(greetingLine)?.[0] ?? null;
}

/**
 * Capabilities from the lines of a CAPA response (RFC 2449 §6): each line is a name and
 * optional arguments. STLS → starttls; SASL → mechanisms; USER → password login.
 */
export function pop3Capabilities(lines: readonly string[]): Capabilities {
  const extensions: Record<string, string | true> = {};
  const mechs: string[] = [];
  for (const line of lines) {
    const trimmed = line.trim();
    if (trimmed === '') continue;
    const sp = trimmed.indexOf(' ');
    // Server text: escaped before it becomes a fact (names, arguments and mechanisms alike).
    const name = factText((sp < 0 ? trimmed : trimmed.slice(0, sp)).toUpperCase());
    const args = sp < 0 ? '' : factText(trimmed.slice(sp + 1).trim());
    if (name === 'SASL') {
      for (const m of args.toUpperCase().split(/\s+/)) {
        if (m !== '' && !mechs.includes(m)) mechs.push(m);
      }
    }
    extensions[name] = args === '' ? true : args;
  }
  return {
    raw: factLines(lines),
    listed: true,
    starttls: 'STLS' in extensions,
    starttlsRequired: 'unknown',
    saslMechanisms: mechs,
    passwordLogin: 'USER' in extensions,
    extensions,
  };
}

/** Capabilities of a server that answered CAPA with -ERR (RFC 1939 only): nothing is known. */
export function unlistedPop3Capabilities(): Capabilities {
  return {
    raw: [],
    listed: false,
    starttls: 'unknown',
    starttlsRequired: 'unknown',
    saslMechanisms: [],
    passwordLogin: 'unknown',
    extensions: {},
  };
}

// ── Framing ──────────────────────────────────────────────────────────────

/** Reads one status line; `continuation` allows a SASL "+" as well. */
export async function readPop3Status(
  conn: Connection,
  step: Step,
  continuation = false,
): Promise<{ readonly line: string; readonly parsed: Exclude<Pop3Line, { type: 'invalid' }> }> {
  const line = await conn.readLine(step);
  const parsed = parsePop3Line(line);
  if (parsed.type === 'invalid' || (parsed.type === 'continuation' && !continuation)) {
    throw protocolError(step, 'not a POP3 reply (+OK or -ERR)', line);
  }
  return { line, parsed };
}

/**
 * Reads a multi-line body up to its "." (dot-unstuffed). Bounded by the Connection's read limits
 * and the step's deadline: a server that never sends the "." ends the step, not a loop.
 */
export async function readPop3Multiline(conn: Connection, step: Step): Promise<string[]> {
  const body: string[] = [];
  for (;;) {
    const line = unstuffLine(await conn.readLine(step));
    if (line === null) return body;
    body.push(line);
  }
}

// ── Dialog ───────────────────────────────────────────────────────────────

/** Longest command line, CRLF included (RFC 2449 §4). */
const MAX_COMMAND_OCTETS = 255;

class Pop3Session implements DialogSession {
  readonly #conn: Connection;
  /** Capabilities last listed inside TLS (login chooses its command from them). */
  #tlsCapabilities: Capabilities | null = null;
  /** CAPA was answered with +OK before TLS (the injection test's fence relies on it). */
  #capaAnswered = false;

  constructor(connection: Connection, _context: DialogContext) {
    this.#conn = connection;
  }

  async greet(): Promise<Greeting> {
    const line = await this.#conn.readLine('greeting');
    const parsed = parsePop3Line(line);
    if (parsed.type === 'ok') return { lines: [factText(line)], kind: 'ok' };
    if (parsed.type === 'err') return { lines: [factText(line)], kind: 'reject' };
    throw protocolError('greeting', 'not a POP3 greeting (+OK or -ERR)', line);
  }

  async capabilities(phase: 'before-tls' | 'after-tls'): Promise<Capabilities> {
    const step: Step = phase === 'before-tls' ? 'capabilities' : 'capabilities-after-tls';
    await this.#conn.write(step, 'CAPA\r\n');
    const status = await readPop3Status(this.#conn, step);
    if (status.parsed.type !== 'ok') return unlistedPop3Capabilities();
    if (!this.#conn.isTls) this.#capaAnswered = true;
    const caps = pop3Capabilities(await readPop3Multiline(this.#conn, step));
    if (this.#conn.isTls) this.#tlsCapabilities = caps;
    return caps;
  }

  startTlsCommand(): string {
    return 'STLS\r\n';
  }

  async readStartTlsReply(): Promise<StartTlsReply> {
    const { line, parsed } = await readPop3Status(this.#conn, 'starttls');
    const reply = [factText(line)];
    if (parsed.type === 'ok') return { outcome: 'accepted', reply };
    if (parsed.type === 'err' && parsed.code === 'SYS/TEMP') {
      return { outcome: 'temporarily-unavailable', reply };
    }
    return { outcome: 'refused', reply };
  }

  async requestStartTls(): Promise<StartTlsReply> {
    await this.#conn.write('starttls', this.startTlsCommand());
    return this.readStartTlsReply();
  }

  injectionCommand(): { readonly data: string; readonly name: string } {
    return { data: 'NOOP\r\n', name: 'NOOP' };
  }

  injectionFence(): InjectionFence | null {
    if (!this.#capaAnswered) return null;
    const step: Step = 'injection-probe';
    return {
      data: 'CAPA\r\n',
      name: 'CAPA',
      read: async () => {
        const first = await readPop3Status(this.#conn, step);
        const next = await this.#conn.readLine(step);
        const lines = factLines([first.line, next]);
        const type = parsePop3Line(next).type;
        // Two status lines: the first answered NOOP (CAPA's own +OK is followed by its list).
        if (type === 'ok' || type === 'err') return { first: 'injected-answer', lines };
        if (first.parsed.type === 'ok') return { first: 'fence', lines };
        throw protocolError(step, 'a line after -ERR that is not a POP3 reply', next);
      },
    };
  }

  async probeLoginBeforeTls(_before: Capabilities): Promise<LoginBeforeTlsFacts | null> {
    const step: Step = 'login-probe';
    const command = 'AUTH PLAIN';
    await this.#conn.write(step, `${command}\r\n`);
    const first = await readPop3Status(this.#conn, step, true);
    if (first.parsed.type === 'continuation') {
      // Invited: cancel at once; the server answers the cancel with -ERR.
      await this.#conn.write(step, SASL_CANCEL);
      const cancelled = await readPop3Status(this.#conn, step);
      return { command, invited: true, reply: factLines([first.line, cancelled.line]) };
    }
    // -ERR: not invited. +OK without any credential would be very odd: say so, do not guess.
    return {
      command,
      invited: first.parsed.type === 'ok' ? 'unknown' : false,
      reply: [factText(first.line)],
    };
  }

  loginMechanism(): string {
    return this.#tlsCapabilities?.saslMechanisms.includes('PLAIN') ? 'AUTH PLAIN' : 'USER/PASS';
  }

  async login({
    user,
    password,
  }: {
    readonly user: string;
    readonly password: string;
  }): Promise<LoginResult> {
    const step: Step = 'login';
    if (/[\r\n]/.test(user) || /[\r\n]/.test(password)) {
      throw protocolError(step, 'a POP3 user name or password cannot contain CR or LF');
    }
    if (this.loginMechanism() === 'AUTH PLAIN') {
      const response = saslPlainResponse(user, password);
      const withInitial = `AUTH PLAIN ${response}\r\n`;
      let r: Awaited<ReturnType<typeof readPop3Status>>;
      if (withInitial.length <= MAX_COMMAND_OCTETS) {
        await this.#conn.writeSecret(step, withInitial, `AUTH PLAIN ${CREDENTIALS_REMOVED}`);
        r = await readPop3Status(this.#conn, step, true);
      } else {
        // Too long for one command line (RFC 2449 §4): send the response after the "+".
        await this.#conn.writeSecret(step, 'AUTH PLAIN\r\n', 'AUTH PLAIN');
        const invite = await readPop3Status(this.#conn, step, true);
        if (invite.parsed.type !== 'continuation') {
          return { ok: false, reply: [factText(invite.line)] };
        }
        await this.#conn.writeSecret(step, `${response}\r\n`, CREDENTIALS_REMOVED);
        r = await readPop3Status(this.#conn, step, true);
      }
      if (r.parsed.type !== 'continuation') {
        return { ok: r.parsed.type === 'ok', reply: [factText(r.line)] };
      }
      // A further challenge (none is due for PLAIN): cancel rather than send anything again.
      await this.#conn.write(step, SASL_CANCEL);
      const done = await readPop3Status(this.#conn, step);
      return { ok: false, reply: factLines([r.line, done.line]) };
    }
    // USER goes through writeSecret too, so nothing of a login starts on an unverified connection.
    await this.#conn.writeSecret(step, `USER ${user}\r\n`, `USER ${user}`);
    const u = await readPop3Status(this.#conn, step);
    if (u.parsed.type !== 'ok') return { ok: false, reply: [factText(u.line)] };
    await this.#conn.writeSecret(step, `PASS ${password}\r\n`, `PASS ${PASSWORD_REMOVED}`);
    const p = await readPop3Status(this.#conn, step);
    return { ok: p.parsed.type === 'ok', reply: factLines([u.line, p.line]) };
  }

  async quit(): Promise<void> {
    try {
      await this.#conn.write('close', 'QUIT\r\n');
      await this.#conn.readLine('close');
    } catch {
      // A polite goodbye only.
    }
  }
}

export const pop3Dialog: Dialog = {
  protocol: 'pop3',
  defaultPorts: { starttls: 110, implicit: 995 },
  capabilitiesBeforeStartTls: false,
  alpn: ['pop3'],
  create: (connection, context) => new Pop3Session(connection, context),
};
