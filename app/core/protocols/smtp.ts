/**
 * SMTP (RFC 5321, port 25 between mail servers) and mail submission (RFC 6409 on 587 with
 * STARTTLS, RFC 8314 on 465 with implicit TLS): one session, two registry entries.
 *
 * Framing (reading one whole, possibly multi-line reply) is kept apart from the dialog: see
 * `parseReplyLine`, `ReplyFramer` and `readReply` below. The dialog only ever sends a command
 * after the whole previous reply was read, and never pipelines except in the injection test,
 * which the probe drives with `startTlsCommand()` + `injectionCommand()`.
 *
 * The dialog's steps, in the order the probe calls them:
 *
 *  1. greet — read the whole greeting, up to its final `220 ` line, before sending anything
 *     (postscreen drops clients that talk early). 220 → ok, 554 or 421 → reject, other codes → other.
 *  2. capabilities('before-tls') — `EHLO <address literal>` (our own address as `[192.0.2.1]`
 *     or `[IPv6:2001:db8::1]`, never an invented host name). A 5xx to EHLO falls back to
 *     `HELO <same literal>`: such a server has no extensions (listed false, starttls false).
 *     Keywords are kept as facts (SIZE, PIPELINING, 8BITMIME, AUTH and the old `AUTH=` form, …).
 *  3. probeLoginBeforeTls — without ever sending a secret:
 *     - AUTH advertised: `AUTH PLAIN` (or `AUTH LOGIN` when only LOGIN is listed) with no initial
 *       response. 334 means the server invites credentials; we cancel at once with `*` (the
 *       server answers 501). 4xx/5xx (503, 530, 538, 504) means not invited.
 *     - no AUTH advertised, submission only: `MAIL FROM:<>` (the null sender), then `RSET`.
 *       A 2xx means the server would take mail before TLS; 530 "Must issue a STARTTLS command
 *       first" (or any 4xx/5xx) means it would not. Harmless: no recipient, no data, reset at
 *       once. Recorded with the command "MAIL FROM:<> (then RSET)"; the reply holds both
 *       replies (Postfix requiring TLS answers RSET with 530 as well).
 *     - no AUTH advertised on SMTP (port 25, between mail servers): nothing is tried (null).
 *  4. requestStartTls — `STARTTLS`: 220 → accepted; 454 → temporarily-unavailable (offered,
 *     but not now: not the same as "not offered"); any other reply → refused. The probe then
 *     upgrades the connection.
 *  5. capabilities('after-tls') — EHLO again (RFC 3207: forget everything learnt before TLS).
 *  6. login (only when asked, over TLS with a verified identity; Connection.writeSecret refuses
 *     otherwise) — `AUTH PLAIN <initial response>` in one line, or AUTH LOGIN's two lines when
 *     only LOGIN is offered; 235 → ok. The transcript shows stand-ins, never the secret.
 *  7. quit — `QUIT` (221); errors ignored.
 *
 * Injection test (own connection): `STARTTLS\r\nNOOP\r\n` in one write, then readStartTlsReply.
 * Inside TLS the fence `HELP` is sent (valid in any state, RFC 5321 §4.1.4; answered 211/214,
 * or 500/502/504 where not implemented, never 250), and the first reply is read: 250 is the
 * injected NOOP's (vulnerable), confirmed by reading the fence's reply after it; any other code
 * is the fence's own reply (not vulnerable).
 */
import { isIP, isIPv4 } from 'node:net';
import type { Capabilities, Greeting, LoginBeforeTlsFacts } from '../facts/endpoint';
import { ProbeError, type Step } from '../net/errors';
import { escapePreview } from '../net/escape';
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
  factText,
  limitError,
  PASSWORD_REMOVED,
  protocolError,
  SASL_CANCEL,
  saslPlainResponse,
} from './line-replies';

// ---------------------------------------------------------------------------------------------
// Limits of what this file keeps. The Connection bounds every read; these bound the facts.
// ---------------------------------------------------------------------------------------------

/** Most lines of one reply (the connection's own limits normally end a reply much earlier). */
export const MAX_REPLY_LINES = 1000;
/** Most bytes of one reply's lines, counted as characters. */
export const MAX_REPLY_BYTES = 256 * 1024;
/** Most reply lines kept in the facts; the rest is summarised in one line. */
export const MAX_FACT_LINES = 100;
/** Most EHLO keywords and SASL mechanisms kept in the facts. */
export const MAX_EXTENSIONS = 100;
/** EHLO keywords that decide what the probe does or what a finding says. */
const KEYWORDS_ALWAYS_KEPT: ReadonlySet<string> = new Set([
  'STARTTLS',
  'AUTH',
  'AUTH=',
  'REQUIRETLS',
]);
/** How long quit() waits for the reply to QUIT before giving up quietly. */
const QUIT_WAIT_MS = 2_000;

// ---------------------------------------------------------------------------------------------
// Server text kept in facts: escaped and truncated (server-supplied text is hostile).
// ---------------------------------------------------------------------------------------------

/** Reply lines as kept in facts: each escaped and truncated, at most MAX_FACT_LINES. */
export function replyFactLines(lines: readonly string[]): string[] {
  const kept = lines.slice(0, MAX_FACT_LINES).map(factText);
  if (lines.length > MAX_FACT_LINES) kept.push(`… ${lines.length - MAX_FACT_LINES} more lines`);
  return kept;
}

// ---------------------------------------------------------------------------------------------
// Framing: one reply = lines `NNN-text` … ending with `NNN text` or a bare `NNN`.
// ---------------------------------------------------------------------------------------------

export interface ReplyLine {
  readonly code: number;
  /** True for `NNN text` and a bare `NNN`: the reply's last line. */
  readonly final: boolean;
  /** The text after the code and its separator. */
  readonly text: string;
}

const REPLY_LINE = /^([1-5][0-9][0-9])(?:([ -])(.*))?$/s;

/** Parses one reply line, or null when the line is not an SMTP reply line at all. */
export function parseReplyLine(line: string): ReplyLine | null {
  const m = REPLY_LINE.exec(line);
  if (!m) return null;
  return { code: Number(m[1]), final: m[2] !== '-', text: m[3] ?? '' };
}

export interface SmtpReply {
  readonly code: number;
  /** Every line as received, code included (e.g. "250-PIPELINING"). */
  readonly lines: readonly string[];
  /** The text of every line, after the code and its separator. */
  readonly texts: readonly string[];
}

/**
 * Assembles one reply from lines. `push` returns the reply after its final line and null
 * before; it throws a ProbeError (kind 'protocol') for a line that is not a reply line or
 * carries another code than the first line, and (kind 'limit') when the reply grows too long.
 */
export class ReplyFramer {
  readonly #step: Step;
  #code: number | null = null;
  #lines: string[] = [];
  #texts: string[] = [];
  #bytes = 0;

  constructor(step: Step) {
    this.#step = step;
  }

  push(line: string): SmtpReply | null {
    const parsed = parseReplyLine(line);
    if (!parsed) {
      throw protocolError(this.#step, 'the server sent a line that is not an SMTP reply', line);
    }
    if (this.#code !== null && parsed.code !== this.#code) {
      throw protocolError(
        this.#step,
        `a multi-line reply changed its code from ${this.#code} to ${parsed.code}`,
        line,
      );
    }
    this.#code = parsed.code;
    this.#bytes += line.length + 2;
    if (this.#lines.length >= MAX_REPLY_LINES) {
      throw limitError(this.#step, 'smtpReplyLines', MAX_REPLY_LINES);
    }
    if (this.#bytes > MAX_REPLY_BYTES) {
      throw limitError(this.#step, 'smtpReplyBytes', MAX_REPLY_BYTES);
    }
    this.#lines.push(line);
    this.#texts.push(parsed.text);
    if (!parsed.final) return null;
    return { code: parsed.code, lines: this.#lines, texts: this.#texts };
  }
}

/** Reads one whole reply; every line within the connection's deadlines and limits. */
export async function readReply(connection: Connection, step: Step): Promise<SmtpReply> {
  const framer = new ReplyFramer(step);
  for (;;) {
    const reply = framer.push(await connection.readLine(step));
    if (reply) return reply;
  }
}

// ---------------------------------------------------------------------------------------------
// EHLO: the address literal we introduce ourselves with, and the keywords the server lists.
// ---------------------------------------------------------------------------------------------

/**
 * Our address as an RFC 5321 address literal: "[192.0.2.1]", "[IPv6:2001:db8::1]"; an
 * IPv4-mapped IPv6 address ("::ffff:192.0.2.1") becomes the IPv4 literal; a zone id is dropped.
 * Throws a TypeError for anything that is not an IP address (the caller passes the socket's).
 */
export function formatAddressLiteral(address: string): string {
  const bare = address.trim().replace(/^\[|\]$/g, '');
  if (isIPv4(bare)) return `[${bare}]`;
  const noZone = bare.replace(/%.*$/s, '').toLowerCase();
  if (isIP(noZone) !== 6) throw new TypeError(`not an IP address: ${JSON.stringify(address)}`);
  const groups = ipv6Groups(noZone);
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    const hi = groups[6] ?? 0;
    const lo = groups[7] ?? 0;
    return `[${hi >> 8}.${hi & 0xff}.${lo >> 8}.${lo & 0xff}]`;
  }
  return `[IPv6:${noZone}]`;
}

/** The eight 16-bit groups of a valid IPv6 address (with "::" and a dotted IPv4 tail). */
function ipv6Groups(address: string): number[] {
  const side = (part: string): number[] =>
    part === ''
      ? []
      : part.split(':').flatMap((g) => {
          if (!g.includes('.')) return [parseInt(g, 16)];
          const [a = 0, b = 0, c = 0, d = 0] = g.split('.').map(Number);
          return [(a << 8) | b, (c << 8) | d];
        });
  const [head = '', tail] = address.split('::');
  const left = side(head);
  const right = tail === undefined ? [] : side(tail);
  return [...left, ...Array<number>(8 - left.length - right.length).fill(0), ...right];
}

export interface EhloKeywords {
  /** Keyword (upper case) → its parameters as sent, or true when it has none. */
  readonly extensions: Readonly<Record<string, string | true>>;
  /** SASL mechanisms from AUTH and the old `AUTH=` form, upper case, without duplicates. */
  readonly saslMechanisms: readonly string[];
  /** AUTH (or AUTH=) was listed at all. */
  readonly auth: boolean;
}

/** An ehlo-keyword (RFC 5321 §4.1.1.1), at most 64 characters (longer ones are skipped). */
const KEYWORD = /^[A-Za-z0-9][A-Za-z0-9-]{0,63}$/;
const MECHANISM = /^[A-Za-z0-9_-]{1,20}$/;

/**
 * Parses the lines of a 250 reply to EHLO (their text after the code). The first line is the
 * server's name and greeting, not a keyword. Keywords are upper-cased; unknown ones are kept;
 * the first occurrence of a keyword wins; lines that are not `keyword [params]` are skipped.
 * The pre-standard `AUTH=LOGIN PLAIN` form is kept under "AUTH=" and adds its mechanisms.
 */
export function parseEhloKeywords(texts: readonly string[]): EhloKeywords {
  const extensions = new Map<string, string | true>();
  const mechanisms = new Set<string>();
  let auth = false;
  for (const text of texts.slice(1)) {
    const words = text.trim().split(/[ \t]+/);
    const first = words[0] ?? '';
    let keyword: string;
    let params: string[];
    if (/^AUTH=/i.test(first)) {
      keyword = 'AUTH=';
      params = [first.slice(5), ...words.slice(1)].filter((w) => w !== '');
    } else if (KEYWORD.test(first)) {
      keyword = first.toUpperCase();
      params = words.slice(1);
    } else continue;
    if (keyword === 'AUTH' || keyword === 'AUTH=') {
      auth = true;
      for (const p of params) {
        if (mechanisms.size < MAX_EXTENSIONS && MECHANISM.test(p)) mechanisms.add(p.toUpperCase());
      }
    }
    // The cap bounds what is stored, never what is recognised: the keywords the probe and the
    // findings act on are kept even after a hundred others.
    if (extensions.has(keyword)) continue;
    if (extensions.size >= MAX_EXTENSIONS && !KEYWORDS_ALWAYS_KEPT.has(keyword)) continue;
    extensions.set(keyword, params.length > 0 ? escapePreview(params.join(' '), 256) : true);
  }
  return { extensions: Object.fromEntries(extensions), saslMechanisms: [...mechanisms], auth };
}

/** Capabilities from a 250 reply to EHLO. STARTTLS "required" cannot be read from EHLO. */
export function capabilitiesFromEhlo(reply: SmtpReply): Capabilities {
  const k = parseEhloKeywords(reply.texts);
  return {
    raw: replyFactLines(reply.lines),
    listed: true,
    starttls: Object.hasOwn(k.extensions, 'STARTTLS'),
    starttlsRequired: 'unknown',
    saslMechanisms: k.saslMechanisms,
    // No AUTH listed: no password login is offered at this moment.
    passwordLogin: k.saslMechanisms.includes('PLAIN') || k.saslMechanisms.includes('LOGIN'),
    extensions: k.extensions,
  };
}

/** Capabilities of a server that refused EHLO and accepted HELO: no extensions at all. */
export function capabilitiesFromHelo(ehlo: SmtpReply, helo: SmtpReply): Capabilities {
  return {
    raw: replyFactLines([...ehlo.lines, ...helo.lines]),
    listed: false,
    starttls: false,
    starttlsRequired: 'unknown',
    saslMechanisms: [],
    passwordLogin: false,
    extensions: {},
  };
}

// ---------------------------------------------------------------------------------------------
// The dialog.
// ---------------------------------------------------------------------------------------------

const CRLF = '\r\n';

function isPositive(reply: SmtpReply): boolean {
  return reply.code >= 200 && reply.code < 300;
}

function refusedByServer(step: Step, what: string, reply: SmtpReply): ProbeError {
  return new ProbeError({
    step,
    kind: 'refused-by-server',
    message: `the server answered ${what} with ${reply.code}`,
    evidence: escapePreview(reply.lines.join(' | '), 300),
  });
}

function base64(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64');
}

class SmtpSession implements DialogSession {
  readonly #connection: Connection;
  readonly #context: DialogContext;
  readonly #protocol: 'smtp' | 'submission';
  /** The capabilities most recently listed (EHLO is repeated after TLS). */
  #capabilities: Capabilities | null = null;

  constructor(connection: Connection, context: DialogContext, protocol: 'smtp' | 'submission') {
    this.#connection = connection;
    this.#context = context;
    this.#protocol = protocol;
  }

  async greet(): Promise<Greeting> {
    const reply = await readReply(this.#connection, 'greeting');
    // 554: no service here; 421: service not available now (postscreen, overload): both refuse us.
    const kind =
      reply.code === 220 ? 'ok' : reply.code === 554 || reply.code === 421 ? 'reject' : 'other';
    return { lines: replyFactLines(reply.lines), kind, code: reply.code };
  }

  async capabilities(phase: 'before-tls' | 'after-tls'): Promise<Capabilities> {
    const step: Step = phase === 'before-tls' ? 'capabilities' : 'capabilities-after-tls';
    const c = this.#connection;
    const literal = formatAddressLiteral(this.#context.localAddress);
    this.#capabilities = null;
    await c.write(step, `EHLO ${literal}${CRLF}`);
    const ehlo = await readReply(c, step);
    if (ehlo.code === 250) {
      this.#capabilities = capabilitiesFromEhlo(ehlo);
      return this.#capabilities;
    }
    if (ehlo.code < 500 || ehlo.code > 599) throw refusedByServer(step, 'EHLO', ehlo);
    c.note(`EHLO refused with ${ehlo.code}: trying HELO (no extensions)`);
    await c.write(step, `HELO ${literal}${CRLF}`);
    const helo = await readReply(c, step);
    if (helo.code !== 250) throw refusedByServer(step, 'EHLO and HELO', helo);
    this.#capabilities = capabilitiesFromHelo(ehlo, helo);
    return this.#capabilities;
  }

  startTlsCommand(): string {
    return `STARTTLS${CRLF}`;
  }

  async readStartTlsReply(): Promise<StartTlsReply> {
    const reply = await readReply(this.#connection, 'starttls');
    const outcome =
      reply.code === 220 ? 'accepted' : reply.code === 454 ? 'temporarily-unavailable' : 'refused';
    if (outcome === 'accepted') this.#capabilities = null;
    return { outcome, reply: replyFactLines(reply.lines) };
  }

  async requestStartTls(): Promise<StartTlsReply> {
    await this.#connection.write('starttls', this.startTlsCommand());
    return this.readStartTlsReply();
  }

  injectionCommand(): { readonly data: string; readonly name: string } {
    return { data: `NOOP${CRLF}`, name: 'NOOP' };
  }

  injectionFence(): InjectionFence {
    const step: Step = 'injection-probe';
    return {
      data: `HELP${CRLF}`,
      name: 'HELP',
      read: async () => {
        const first = await readReply(this.#connection, step);
        if (first.code !== 250) return { first: 'fence', lines: replyFactLines(first.lines) };
        // NOOP's 250. The fence's own reply must follow: a server that (oddly) answers HELP
        // with 250 then ends in the step's deadline ('unknown'), never in a false alarm.
        const fence = await readReply(this.#connection, step);
        return {
          first: 'injected-answer',
          lines: replyFactLines([...first.lines, ...fence.lines]),
        };
      },
    };
  }

  async probeLoginBeforeTls(before: Capabilities): Promise<LoginBeforeTlsFacts | null> {
    const step: Step = 'login-probe';
    const c = this.#connection;
    const authListed =
      Object.hasOwn(before.extensions, 'AUTH') || Object.hasOwn(before.extensions, 'AUTH=');
    if (authListed) {
      const mechanisms = before.saslMechanisms;
      const mechanism =
        !mechanisms.includes('PLAIN') && mechanisms.includes('LOGIN') ? 'LOGIN' : 'PLAIN';
      const command = `AUTH ${mechanism}`;
      c.note(`${command} without credentials: does the server invite a password before TLS?`);
      await c.write(step, `${command}${CRLF}`);
      const reply = await readReply(c, step);
      if (reply.code !== 334) {
        const invited = reply.code >= 400 ? false : 'unknown';
        return { command, invited, reply: replyFactLines(reply.lines) };
      }
      // Invited: cancel at once (RFC 4954: "*" ends the exchange; the server answers 501).
      await c.write(step, SASL_CANCEL);
      const cancel = await readReply(c, step);
      return { command, invited: true, reply: replyFactLines([...reply.lines, ...cancel.lines]) };
    }
    if (this.#protocol !== 'submission') return null;
    // Submission without AUTH before TLS: would it take mail anyway? 530 says STARTTLS first.
    const command = 'MAIL FROM:<> (then RSET)';
    c.note('MAIL FROM:<> with no recipient: does the server take mail before TLS? Reset at once.');
    await c.write(step, `MAIL FROM:<>${CRLF}`);
    const mail = await readReply(c, step);
    await c.write(step, `RSET${CRLF}`);
    const rset = await readReply(c, step);
    const invited = isPositive(mail) ? true : mail.code >= 400 ? false : 'unknown';
    return { command, invited, reply: replyFactLines([...mail.lines, ...rset.lines]) };
  }

  loginMechanism(): string {
    const mechanisms = this.#capabilities?.saslMechanisms ?? [];
    return !mechanisms.includes('PLAIN') && mechanisms.includes('LOGIN')
      ? 'AUTH LOGIN'
      : 'AUTH PLAIN';
  }

  async login(credentials: {
    readonly user: string;
    readonly password: string;
  }): Promise<LoginResult> {
    const step: Step = 'login';
    const c = this.#connection;
    if (!c.isTls || !c.identityVerified) {
      throw new ProbeError({
        step,
        kind: 'unsafe',
        message: 'refused to log in: the connection is not TLS with a verified server identity',
      });
    }
    if (this.loginMechanism() === 'AUTH PLAIN') {
      const response = saslPlainResponse(credentials.user, credentials.password);
      await c.writeSecret(
        step,
        `AUTH PLAIN ${response}${CRLF}`,
        `AUTH PLAIN ${CREDENTIALS_REMOVED}`,
      );
      return this.#finishLogin(await readReply(c, step));
    }
    await c.write(step, `AUTH LOGIN${CRLF}`);
    let reply = await readReply(c, step);
    if (reply.code !== 334) return { ok: false, reply: replyFactLines(reply.lines) };
    await c.writeSecret(step, `${base64(credentials.user)}${CRLF}`, '<user name>');
    reply = await readReply(c, step);
    if (reply.code !== 334) return { ok: false, reply: replyFactLines(reply.lines) };
    await c.writeSecret(step, `${base64(credentials.password)}${CRLF}`, PASSWORD_REMOVED);
    return this.#finishLogin(await readReply(c, step));
  }

  async #finishLogin(reply: SmtpReply): Promise<LoginResult> {
    if (reply.code === 334) {
      // The server wants more than we sent: cancel rather than guess.
      await this.#connection.write('login', SASL_CANCEL);
      const cancel = await readReply(this.#connection, 'login');
      return { ok: false, reply: replyFactLines([...reply.lines, ...cancel.lines]) };
    }
    return { ok: reply.code === 235, reply: replyFactLines(reply.lines) };
  }

  async quit(): Promise<void> {
    try {
      await this.#connection.write('close', `QUIT${CRLF}`);
      const reply = readReply(this.#connection, 'close').catch(() => undefined);
      let timer: NodeJS.Timeout | undefined;
      const wait = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, QUIT_WAIT_MS);
      });
      await Promise.race([reply, wait]);
      clearTimeout(timer);
    } catch {
      // A goodbye that fails changes nothing.
    }
  }
}

function smtpFamilyDialog(
  protocol: 'smtp' | 'submission',
  defaultPorts: Dialog['defaultPorts'],
): Dialog {
  return {
    protocol,
    defaultPorts,
    capabilitiesBeforeStartTls: true,
    alpn: [],
    create: (connection, context) => new SmtpSession(connection, context, protocol),
  };
}

/** SMTP between mail servers: STARTTLS on 25 (RFC 3207); no implicit-TLS port. */
export const smtpDialog: Dialog = smtpFamilyDialog('smtp', { starttls: 25, implicit: null });

/** Mail submission: STARTTLS on 587 (RFC 6409) and implicit TLS on 465 (RFC 8314). */
export const submissionDialog: Dialog = smtpFamilyDialog('submission', {
  starttls: 587,
  implicit: 465,
});
