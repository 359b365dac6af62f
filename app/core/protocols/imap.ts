/**
 * IMAP (RFC 3501, RFC 9051), with STARTTLS (RFC 2595, RFC 3501 §6.2.1) and implicit TLS on 993
 * (RFC 8314).
 *
 * The dialog, in the order the probe drives it (tags A1, A2, … count up per connection):
 *
 *  1. Greeting: one untagged line. `* OK …` (ready; a `[CAPABILITY …]` code stays in the
 *     greeting's lines), `* PREAUTH …` (already authenticated: STARTTLS is not allowed any more,
 *     RFC 9051 §6.2.1; the probe records it as a fact), `* BYE …` (service refused). Anything
 *     else is a protocol error with the line as evidence.
 *  2. `An CAPABILITY` before TLS → tokens: STARTTLS, LOGINDISABLED (disables LOGIN only, not
 *     AUTHENTICATE), AUTH=<mechanism>, and the rest kept as extensions. Asked even when the
 *     greeting carried capabilities, because servers may list more on request.
 *  3. Login before TLS, without a secret: `An AUTHENTICATE PLAIN` with no initial response
 *     (even with SASL-IR). A `+` continuation means the server invites a password in clear;
 *     we cancel at once with `*` and read the tagged BAD/NO. A tagged NO/BAD at once (Dovecot:
 *     `[PRIVACYREQUIRED]`) means it does not. Tried whether or not AUTH=PLAIN is advertised: a
 *     server that takes a mechanism it does not list would still take a password. LOGIN is
 *     never sent here (it carries a password); Capabilities.passwordLogin says whether it is
 *     offered.
 *  4. `An STARTTLS` → tagged OK (go ahead; untagged lines before it are kept in the reply as
 *     evidence), NO/BAD (refused), NO [UNAVAILABLE] (temporarily unavailable, RFC 5530).
 *     The probe then upgrades the connection.
 *  5. `An CAPABILITY` again inside TLS (RFC 3501 §6.2.1: earlier capabilities are void).
 *  6. Optionally log in, only over TLS with a verified identity (Connection.writeSecret):
 *     `AUTHENTICATE PLAIN <initial response>` when AUTH=PLAIN and SASL-IR are offered, else
 *     `LOGIN` with quoted strings or literals (`{n}` waits for `+`; `{n+}` with LITERAL+),
 *     else AUTHENTICATE PLAIN with a continuation when LOGIN is disabled.
 *  7. `An LOGOUT`; `* BYE` and the tagged OK (or the close) are read; errors are ignored.
 *
 * Injection test, on its own connection: `An STARTTLS\r\nAm NOOP\r\n` in one write, then only
 * the STARTTLS reply is read. Inside TLS the fence `Ak NOOP` (a fresh tag) is sent and lines are
 * read up to its completion: a completion of `Am` before it means the server executed the
 * injected NOOP (vulnerable); the fence's completion alone means it did not.
 *
 * Framing (reading one whole response up to its tagged completion, with literals) is kept apart
 * from the dialog (ImapSession) and from the pure parsers, which the unit tests call directly.
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
  closedByServer,
  CREDENTIALS_REMOVED,
  factLines,
  factText,
  limitError,
  PASSWORD_REMOVED,
  protocolError,
  SASL_CANCEL,
  saslPlainResponse,
} from './line-replies';

// ── Pure parsers ─────────────────────────────────────────────────────────

export type ImapStatus = 'OK' | 'NO' | 'BAD';

/** One line from the server, classified (RFC 9051 §7: untagged, continuation, tagged). */
export type ImapLine =
  | { readonly type: 'untagged'; readonly text: string }
  | { readonly type: 'continuation'; readonly text: string }
  | {
      readonly type: 'tagged';
      readonly tag: string;
      readonly status: ImapStatus;
      /** The response code's name, upper-case (e.g. "PRIVACYREQUIRED"), or null. */
      readonly code: string | null;
      /** The response code's arguments (e.g. the capability list), or null. */
      readonly codeArgs: string | null;
      readonly text: string;
    }
  | { readonly type: 'invalid'; readonly reason: string };

/** A tag: astring characters except "+" (RFC 9051 §9 `tag`). */
// eslint-disable-next-line no-control-regex
const TAG = /^[^\s(){%*"\\\]+\x00-\x1f\x7f]+$/;

/** Classifies one line (without its CRLF). */
export function parseImapLine(line: string): ImapLine {
  if (line === '*' || line.startsWith('* ')) return { type: 'untagged', text: line.slice(2) };
  if (line === '+' || line.startsWith('+ ')) return { type: 'continuation', text: line.slice(2) };
  const sp = line.indexOf(' ');
  if (sp <= 0) return { type: 'invalid', reason: 'not an IMAP response line' };
  const tag = line.slice(0, sp);
  if (!TAG.test(tag)) return { type: 'invalid', reason: 'not an IMAP response line' };
  const rest = line.slice(sp + 1);
  const sp2 = rest.indexOf(' ');
  const word = (sp2 < 0 ? rest : rest.slice(0, sp2)).toUpperCase();
  if (word !== 'OK' && word !== 'NO' && word !== 'BAD') {
    return { type: 'invalid', reason: 'a tagged response must be OK, NO or BAD' };
  }
  const { code, codeArgs, text } = parseRespText(sp2 < 0 ? '' : rest.slice(sp2 + 1));
  return { type: 'tagged', tag, status: word, code, codeArgs, text };
}

/** Splits resp-text into its optional `[CODE args]` and the human text. */
export function parseRespText(respText: string): {
  code: string | null;
  codeArgs: string | null;
  text: string;
} {
  const m = /^\[([^\]]*)\] ?(.*)$/s.exec(respText);
  if (!m) return { code: null, codeArgs: null, text: respText };
  const inner = m[1] ?? '';
  const sp = inner.indexOf(' ');
  return {
    code: (sp < 0 ? inner : inner.slice(0, sp)).toUpperCase(),
    codeArgs: sp < 0 ? null : inner.slice(sp + 1),
    text: m[2] ?? '',
  };
}

/** The first word of an untagged response, upper-case ("OK", "CAPABILITY", "BYE", "3" …). */
export function untaggedKeyword(text: string): string {
  const sp = text.indexOf(' ');
  return (sp < 0 ? text : text.slice(0, sp)).toUpperCase();
}

const STATUS_WORDS = new Set(['OK', 'NO', 'BAD', 'BYE', 'PREAUTH']);

/**
 * The length of the literal an untagged data response announces at the end of this line
 * (`{n}`, `~{n}` for literal8, or a server's `{n+}`), or null. Status responses (OK, NO, BAD,
 * BYE, PREAUTH) end in free text, which may look like a literal but is none.
 */
export function trailingLiteral(untaggedText: string): number | null {
  if (STATUS_WORDS.has(untaggedKeyword(untaggedText))) return null;
  return literalAtEnd(untaggedText);
}

/** The literal length announced at the end of a piece of a data response, or null. */
export function literalAtEnd(piece: string): number | null {
  const m = /~?\{(\d{1,12})\+?\}$/.exec(piece);
  return m?.[1] !== undefined ? Number(m[1]) : null;
}

/** The capability tokens in an untagged `CAPABILITY a b c` (the text after "* "), as sent. */
export function capabilityTokens(untaggedText: string): string[] {
  if (untaggedKeyword(untaggedText) !== 'CAPABILITY') return [];
  return untaggedText.split(' ').slice(1).filter(Boolean);
}

/** The capability tokens of a `[CAPABILITY …]` response code in a status line, or null. */
export function capabilityCode(respText: string): string[] | null {
  const { code, codeArgs } = parseRespText(respText);
  if (code !== 'CAPABILITY') return null;
  return (codeArgs ?? '').split(' ').filter(Boolean);
}

/** The greeting's `[CAPABILITY …]` list (e.g. from `* OK [CAPABILITY IMAP4rev1 …] ready`), or null. */
export function greetingCapabilities(greetingLine: string): string[] | null {
  const parsed = parseImapLine(greetingLine);
  if (parsed.type !== 'untagged') return null;
  const kw = untaggedKeyword(parsed.text);
  if (kw !== 'OK' && kw !== 'PREAUTH') return null;
  return capabilityCode(parsed.text.slice(kw.length + 1));
}

/**
 * Capabilities from tokens (case-insensitive; derived fields upper-case, raw kept as sent).
 * LOGINDISABLED turns LOGIN off but leaves AUTHENTICATE alone (RFC 3501 §6.2.3); IMAP has no
 * way to say STARTTLS is required, though LOGINDISABLED before TLS hints at it (kept as
 * extensions.LOGINDISABLED).
 */
export function imapCapabilities(tokens: readonly string[]): Capabilities {
  const mechs: string[] = [];
  const extensions: Record<string, string | true> = {};
  let starttls = false;
  let loginDisabled = false;
  for (const raw of tokens) {
    const token = raw.toUpperCase();
    const eq = token.indexOf('=');
    if (token === 'STARTTLS') starttls = true;
    if (token === 'LOGINDISABLED') loginDisabled = true;
    if (token.startsWith('AUTH=')) {
      // Server text: escaped before it becomes a fact, like every other token.
      const mech = factText(token.slice(5));
      if (mech !== '' && !mechs.includes(mech)) mechs.push(mech);
      continue;
    }
    if (eq > 0) {
      const name = factText(token.slice(0, eq));
      const value = factText(raw.slice(eq + 1));
      const prev = extensions[name];
      extensions[name] = typeof prev === 'string' ? `${prev} ${value}` : value;
    } else if (token !== '') {
      extensions[factText(token)] = true;
    }
  }
  return {
    raw: factLines(tokens),
    listed: true,
    starttls,
    starttlsRequired: 'unknown',
    saslMechanisms: mechs,
    passwordLogin: !loginDisabled,
    extensions,
  };
}

/** Capabilities when the server would not list them (CAPABILITY answered NO/BAD). */
export function unlistedCapabilities(): Capabilities {
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

/** Longest quoted string we send; longer values go as literals. */
const MAX_QUOTED = 1000;

/** How an astring is sent: a quoted string, or a literal (its bytes follow after `{n}`). */
export type ImapString =
  | { readonly form: 'quoted'; readonly text: string }
  | { readonly form: 'literal'; readonly bytes: Buffer };

/**
 * Encodes a value for a command argument: a quoted string with `\` and `"` escaped (RFC 9051
 * §4.3), or a literal when it holds CR, LF, 8-bit characters or is long. NUL cannot be sent in
 * either form (only in literal8, which LOGIN does not take).
 */
export function imapString(value: string): ImapString {
  if (value.includes('\0')) {
    throw protocolError('login', 'a user name or password containing NUL cannot be sent in IMAP');
  }
  if (/[\r\n\x80-\u{10ffff}]/u.test(value) || value.length > MAX_QUOTED) {
    return { form: 'literal', bytes: Buffer.from(value, 'utf8') };
  }
  return { form: 'quoted', text: `"${value.replace(/[\\"]/g, (c) => `\\${c}`)}"` };
}

/** One write of a LOGIN command; a part ending in a synchronizing literal waits for "+". */
export interface LoginPart {
  readonly data: Buffer;
  /** What the transcript shows for this part: never the password, nor its length. */
  readonly shown: string;
  readonly waitsForContinuation: boolean;
}

/**
 * Splits `tag LOGIN user password` into the writes it takes: one when both are quoted strings,
 * more when literals are used. With LITERAL+ (RFC 7888) literals are non-synchronizing (`{n+}`)
 * and nothing waits.
 */
export function imapLoginParts(
  tag: string,
  user: string,
  password: string,
  literalPlus: boolean,
): LoginPart[] {
  const parts: LoginPart[] = [];
  let data: Buffer[] = [Buffer.from(`${tag} LOGIN`)];
  let shown = `${tag} LOGIN`;
  const args = [
    { value: imapString(user), secret: false },
    { value: imapString(password), secret: true },
  ];
  for (const { value, secret } of args) {
    if (value.form === 'quoted') {
      data.push(Buffer.from(` ${value.text}`));
      shown += ` ${secret ? PASSWORD_REMOVED : value.text}`;
      continue;
    }
    // A literal: the header ends this write; the next one starts with the literal's bytes.
    const header = `{${value.bytes.length}${literalPlus ? '+' : ''}}`;
    data.push(Buffer.from(` ${header}\r\n`));
    shown += ` ${secret ? PASSWORD_REMOVED : header}`;
    parts.push({ data: Buffer.concat(data), shown, waitsForContinuation: !literalPlus });
    data = [value.bytes];
    shown = secret ? PASSWORD_REMOVED : value.bytes.toString('utf8');
  }
  data.push(Buffer.from('\r\n'));
  parts.push({ data: Buffer.concat(data), shown, waitsForContinuation: false });
  return parts;
}

// ── Framing ──────────────────────────────────────────────────────────────

/** Largest literal accepted inside an untagged response; bigger ones end the step (kind 'limit'). */
export const MAX_LITERAL_BYTES = 64 * 1024;

/** One whole response to a command: untagged lines, then the tagged completion or a "+". */
export interface ImapResponse {
  /** Every logical line in order (a literal is joined into its line), without CRLF. */
  readonly lines: readonly string[];
  /** Untagged responses (the text after "* "), literals joined in. */
  readonly untagged: readonly string[];
  readonly end:
    | Extract<ImapLine, { type: 'tagged' }>
    | { readonly type: 'continuation'; readonly text: string };
}

interface ReadOptions {
  /** A "+" ends the response (AUTHENTICATE, a synchronizing literal); else it is a violation. */
  readonly continuation?: boolean;
  /** `* BYE` is expected (LOGOUT) rather than an early close. */
  readonly byeExpected?: boolean;
}

/** Reads the `n` bytes of a literal through readChunk, putting back what follows it. */
async function readLiteral(conn: Connection, step: Step, n: number, line: string): Promise<string> {
  if (n > MAX_LITERAL_BYTES) throw limitError(step, 'imapLiteralBytes', MAX_LITERAL_BYTES, line);
  const parts: Buffer[] = [];
  let got = 0;
  while (got < n) {
    const chunk = await conn.readChunk(step);
    const need = n - got;
    if (chunk.length > need) {
      parts.push(chunk.subarray(0, need));
      conn.unread(chunk.subarray(need));
      got = n;
    } else {
      parts.push(chunk);
      got += chunk.length;
    }
  }
  return Buffer.concat(parts).toString('utf8');
}

/**
 * Reads until the tagged completion of `tag` (or a "+" when allowed). Lines and bytes are bounded
 * by the Connection's read limits and the step's deadline, so a server that never completes ends
 * the step rather than the loop. Completions of other tags we sent (`outstanding`, e.g. a NOOP
 * pipelined before) are kept in the lines; an unknown tag or a malformed line is a protocol error.
 */
export async function readImapResponse(
  conn: Connection,
  step: Step,
  tag: string,
  outstanding: Set<string>,
  options: ReadOptions = {},
): Promise<ImapResponse> {
  const lines: string[] = [];
  const untagged: string[] = [];
  for (;;) {
    const line = await conn.readLine(step);
    const parsed = parseImapLine(line);
    switch (parsed.type) {
      case 'untagged': {
        let text = parsed.text;
        let whole = line;
        // After a literal, only the rest of the line (not the literal's bytes) can announce another.
        for (let n = trailingLiteral(text); n !== null;) {
          const literal = await readLiteral(conn, step, n, whole);
          const rest = await conn.readLine(step);
          text += `\r\n${literal}${rest}`;
          whole += `\r\n${literal}${rest}`;
          n = literalAtEnd(rest);
        }
        lines.push(whole);
        untagged.push(text);
        if (untaggedKeyword(text) === 'BYE' && !options.byeExpected) {
          throw closedByServer(step, whole);
        }
        break;
      }
      case 'continuation':
        if (!options.continuation) {
          throw protocolError(step, 'unexpected continuation request', line);
        }
        lines.push(line);
        return { lines, untagged, end: parsed };
      case 'tagged':
        lines.push(line);
        if (parsed.tag === tag) {
          outstanding.delete(tag);
          return { lines, untagged, end: parsed };
        }
        if (!outstanding.delete(parsed.tag)) {
          throw protocolError(step, 'tagged response with a tag we did not send', line);
        }
        break;
      case 'invalid':
        throw protocolError(step, parsed.reason, line);
    }
  }
}

// ── Dialog ───────────────────────────────────────────────────────────────

class ImapSession implements DialogSession {
  readonly #conn: Connection;
  #counter = 0;
  readonly #outstanding = new Set<string>();
  #startTlsTag: string | null = null;
  /** The tag of the NOOP pipelined behind STARTTLS in the injection test. */
  #injectionTag: string | null = null;
  #preauth = false;
  /** Capabilities last listed inside TLS (login chooses its command from them). */
  #tlsCapabilities: Capabilities | null = null;

  constructor(connection: Connection, _context: DialogContext) {
    this.#conn = connection;
  }

  #nextTag(): string {
    const tag = `A${++this.#counter}`;
    this.#outstanding.add(tag);
    return tag;
  }

  async #command(
    step: Step,
    command: string,
    options: ReadOptions = {},
  ): Promise<ImapResponse & { readonly tag: string }> {
    const tag = this.#nextTag();
    await this.#conn.write(step, `${tag} ${command}\r\n`);
    return { tag, ...(await readImapResponse(this.#conn, step, tag, this.#outstanding, options)) };
  }

  async greet(): Promise<Greeting> {
    const line = await this.#conn.readLine('greeting');
    const parsed = parseImapLine(line);
    const kw = parsed.type === 'untagged' ? untaggedKeyword(parsed.text) : '';
    const lines = [factText(line)];
    switch (kw) {
      case 'OK':
        return { lines, kind: 'ok' };
      case 'PREAUTH':
        this.#preauth = true;
        return { lines, kind: 'preauth' };
      case 'BYE':
        return { lines, kind: 'reject' };
      default:
        throw protocolError('greeting', 'not an IMAP greeting (* OK, * PREAUTH or * BYE)', line);
    }
  }

  async capabilities(phase: 'before-tls' | 'after-tls'): Promise<Capabilities> {
    const step: Step = phase === 'before-tls' ? 'capabilities' : 'capabilities-after-tls';
    const r = await this.#command(step, 'CAPABILITY');
    if (r.end.type !== 'tagged' || r.end.status !== 'OK') return unlistedCapabilities();
    const tokens = r.untagged.flatMap(capabilityTokens);
    // A server may also (or only) put them in a response code: "* OK [CAPABILITY …]", "A1 OK [CAPABILITY …]".
    if (tokens.length === 0) {
      for (const u of r.untagged) {
        const kw = untaggedKeyword(u);
        if (kw === 'OK') tokens.push(...(capabilityCode(u.slice(3)) ?? []));
      }
      if (r.end.code === 'CAPABILITY') tokens.push(...(r.end.codeArgs ?? '').split(' '));
    }
    const caps = imapCapabilities(tokens.filter(Boolean));
    if (this.#conn.isTls) this.#tlsCapabilities = caps;
    return caps;
  }

  startTlsCommand(): string {
    const tag = this.#nextTag();
    this.#startTlsTag = tag;
    return `${tag} STARTTLS\r\n`;
  }

  async readStartTlsReply(): Promise<StartTlsReply> {
    const tag = this.#startTlsTag;
    if (tag === null) throw new Error('readStartTlsReply before startTlsCommand');
    this.#startTlsTag = null;
    const r = await readImapResponse(this.#conn, 'starttls', tag, this.#outstanding);
    const reply = factLines(r.lines);
    if (r.end.type !== 'tagged') return { outcome: 'refused', reply };
    if (r.end.status === 'OK') return { outcome: 'accepted', reply };
    if (r.end.code === 'UNAVAILABLE') return { outcome: 'temporarily-unavailable', reply };
    return { outcome: 'refused', reply };
  }

  async requestStartTls(): Promise<StartTlsReply> {
    await this.#conn.write('starttls', this.startTlsCommand());
    return this.readStartTlsReply();
  }

  injectionCommand(): { readonly data: string; readonly name: string } {
    const tag = this.#nextTag();
    this.#injectionTag = tag;
    return { data: `${tag} NOOP\r\n`, name: 'NOOP' };
  }

  injectionFence(): InjectionFence | null {
    const injected = this.#injectionTag;
    if (injected === null) return null;
    const tag = this.#nextTag();
    this.#outstanding.delete(tag);
    this.#outstanding.delete(injected);
    return {
      data: `${tag} NOOP\r\n`,
      name: `${tag} NOOP`,
      read: async () => {
        // Only the injected tag may complete besides the fence's (even if it was answered
        // already, in plaintext before the go-ahead: a second completion is as telling).
        const r = await readImapResponse(this.#conn, 'injection-probe', tag, new Set([injected]));
        const answered = r.lines.some((line) => {
          const parsed = parseImapLine(line);
          return parsed.type === 'tagged' && parsed.tag === injected;
        });
        return { first: answered ? 'injected-answer' : 'fence', lines: factLines(r.lines) };
      },
    };
  }

  async probeLoginBeforeTls(_before: Capabilities): Promise<LoginBeforeTlsFacts | null> {
    // AUTHENTICATE is not allowed in the authenticated state (after PREAUTH).
    if (this.#preauth) return null;
    const step: Step = 'login-probe';
    const command = 'AUTHENTICATE PLAIN';
    const r = await this.#command(step, command, { continuation: true });
    if (r.end.type === 'continuation') {
      // Invited: cancel at once. The server answers the cancel with a tagged BAD (or NO).
      await this.#conn.write(step, SASL_CANCEL);
      const cancelled = await readImapResponse(this.#conn, step, r.tag, this.#outstanding);
      return { command, invited: true, reply: factLines([...r.lines, ...cancelled.lines]) };
    }
    // NO/BAD: not invited. OK without any credential would be very odd: say so, do not guess.
    return {
      command,
      invited: r.end.status === 'OK' ? 'unknown' : false,
      reply: factLines(r.lines),
    };
  }

  loginMechanism(): string {
    const caps = this.#tlsCapabilities;
    const plain = caps?.saslMechanisms.includes('PLAIN') ?? false;
    return plain && (caps?.extensions['SASL-IR'] === true || caps?.passwordLogin === false)
      ? 'AUTHENTICATE PLAIN'
      : 'LOGIN';
  }

  async login(credentials: {
    readonly user: string;
    readonly password: string;
  }): Promise<LoginResult> {
    const caps = this.#tlsCapabilities;
    if (this.loginMechanism() === 'AUTHENTICATE PLAIN') {
      return this.#authenticatePlain(credentials, caps?.extensions['SASL-IR'] === true);
    }
    return this.#loginCommand(credentials, caps?.extensions['LITERAL+'] === true);
  }

  async #authenticatePlain(
    { user, password }: { readonly user: string; readonly password: string },
    initialResponse: boolean,
  ): Promise<LoginResult> {
    const step: Step = 'login';
    const response = saslPlainResponse(user, password);
    const tag = this.#nextTag();
    if (initialResponse) {
      await this.#conn.writeSecret(
        step,
        `${tag} AUTHENTICATE PLAIN ${response}\r\n`,
        `${tag} AUTHENTICATE PLAIN ${CREDENTIALS_REMOVED}`,
      );
    } else {
      // Through writeSecret too, so nothing of a login starts on an unverified connection.
      await this.#conn.writeSecret(
        step,
        `${tag} AUTHENTICATE PLAIN\r\n`,
        `${tag} AUTHENTICATE PLAIN`,
      );
      const first = await readImapResponse(this.#conn, step, tag, this.#outstanding, {
        continuation: true,
      });
      if (first.end.type === 'tagged') return this.#result(first, []);
      await this.#conn.writeSecret(step, `${response}\r\n`, CREDENTIALS_REMOVED);
    }
    return this.#finishAuthentication(tag, step);
  }

  /** Reads the outcome; a further challenge (none is due for PLAIN) is cancelled. */
  async #finishAuthentication(tag: string, step: Step): Promise<LoginResult> {
    const r = await readImapResponse(this.#conn, step, tag, this.#outstanding, {
      continuation: true,
    });
    if (r.end.type === 'tagged') return this.#result(r, []);
    await this.#conn.write(step, SASL_CANCEL);
    const done = await readImapResponse(this.#conn, step, tag, this.#outstanding);
    return { ok: false, reply: factLines([...r.lines, ...done.lines]) };
  }

  async #loginCommand(
    { user, password }: { readonly user: string; readonly password: string },
    literalPlus: boolean,
  ): Promise<LoginResult> {
    const step: Step = 'login';
    const tag = this.#nextTag();
    const parts = imapLoginParts(tag, user, password, literalPlus);
    const before: string[] = [];
    for (const part of parts) {
      await this.#conn.writeSecret(step, part.data, part.shown);
      if (!part.waitsForContinuation) continue;
      const r = await readImapResponse(this.#conn, step, tag, this.#outstanding, {
        continuation: true,
      });
      before.push(...r.lines);
      // The server refused the literal: the command is over.
      if (r.end.type === 'tagged') return this.#result(r, []);
    }
    const r = await readImapResponse(this.#conn, step, tag, this.#outstanding);
    return this.#result(r, before);
  }

  #result(r: ImapResponse, before: readonly string[]): LoginResult {
    const ok = r.end.type === 'tagged' && r.end.status === 'OK';
    return { ok, reply: factLines([...before, ...r.lines]) };
  }

  async quit(): Promise<void> {
    try {
      await this.#command('close', 'LOGOUT', { byeExpected: true });
    } catch {
      // A polite goodbye only: the server may close right after its BYE.
    }
  }
}

export const imapDialog: Dialog = {
  protocol: 'imap',
  defaultPorts: { starttls: 143, implicit: 993 },
  capabilitiesBeforeStartTls: false,
  alpn: ['imap'],
  create: (connection, context) => new ImapSession(connection, context),
};
