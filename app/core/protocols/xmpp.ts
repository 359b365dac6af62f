/**
 * XMPP client-to-server dialog (RFC 6120, RFC 7590; XEP-0368 direct TLS on 5223 with ALPN
 * "xmpp-client"). Framing lives in xmpp-stream.ts; this file only speaks the dialog:
 *
 *  1. greet: send our stream header to the domain (the account's XMPP domain, else the host
 *     name), read the server's header and its first element: `<stream:features/>` (kept for
 *     step 2) or a `<stream:error/>` such as host-unknown (a 'reject' greeting).
 *  2. capabilities('before-tls'): the stream features: `<starttls/>` and whether it is
 *     `<required/>`, SASL mechanisms, and the other features (register, sm, csi, bind, …).
 *  3. probeLoginBeforeTls: only when PLAIN is offered in plaintext: `<auth mechanism='PLAIN'/>`
 *     without an initial response; an empty `<challenge/>` is an invitation to send a password,
 *     which we never do: we send `<abort/>` (RFC 6120 §6.4.4). SCRAM needs a password to start
 *     meaningfully, so nothing is tried for it.
 *  4. requestStartTls: `<starttls/>` → `<proceed/>` (accepted) or `<failure/>` (refused). The
 *     stream reader stops at `<proceed/>`'s `>` and gives any later bytes back to the
 *     Connection, which reports them as plaintext sent after the go-ahead.
 *  5. (the probe runs the TLS handshake with SNI = the XMPP domain)
 *  6. capabilities('after-tls'): after STARTTLS a new stream is opened (RFC 6120 §5.4.3.3);
 *     on direct TLS the stream opened in step 1 is already inside TLS and its features are read.
 *  7. login (verified TLS only): SASL PLAIN with an initial response, through writeSecret.
 *  8. quit: `</stream:stream>`.
 *
 * Injection test: `<starttls/>` and `<iq type='get'><ping/></iq>` go out in one segment. A
 * server that keeps the pipelined ping and reads it after the handshake answers inside TLS.
 * Before authentication that answer is usually a stream error (the ping is not a stream header,
 * or stanzas are not allowed yet) rather than a pong: it is an answer all the same, so any
 * bytes that arrive inside TLS before we send anything are evidence.
 */
import { ProbeError, type Step } from '../net/errors';
import { escapePreview } from '../net/escape';
import type { Connection } from '../net/types';
import type { Capabilities, Greeting, LoginBeforeTlsFacts } from '../facts/endpoint';
import type { Dialog, DialogContext, DialogSession, LoginResult, StartTlsReply } from './dialog';
import {
  child,
  renderElement,
  xmlEscape,
  XMPP_NS,
  XmppStreamReader,
  type StreamHeader,
  type XmlElement,
} from './xmpp-stream';

const STARTTLS = `<starttls xmlns='${XMPP_NS.tls}'/>`;
const AUTH_PLAIN_NO_RESPONSE = `<auth xmlns='${XMPP_NS.sasl}' mechanism='PLAIN'/>`;
const ABORT = `<abort xmlns='${XMPP_NS.sasl}'/>`;
const INJECTION = {
  data: "<iq type='get' id='sealcheck-inj'><ping xmlns='urn:xmpp:ping'/></iq>",
  name: 'iq ping',
} as const;
/** Most mechanisms and extensions kept as facts (the reader's limits bound them too). */
const MAX_LISTED = 64;

export function streamHeader(domain: string): string {
  return (
    `<?xml version='1.0'?><stream:stream to='${xmlEscape(domain)}' version='1.0' ` +
    `xmlns='${XMPP_NS.client}' xmlns:stream='${XMPP_NS.stream}'>`
  );
}

/** The SASL PLAIN authentication identity: the localpart of a bare or full JID, else as given. */
export function plainUsername(user: string): string {
  const at = user.indexOf('@');
  const slash = user.indexOf('/');
  return at > 0 && (slash < 0 || at < slash) ? user.slice(0, at) : user;
}

/** One line summing up a stream header (escaped). */
export function describeHeader(h: StreamHeader): string {
  const parts = ['<stream:stream'];
  const attr = (name: string, value: string | null): void => {
    if (value !== null) parts.push(`${name}='${value}'`);
  };
  attr('from', h.from);
  attr('to', h.to);
  attr('id', h.id);
  attr('version', h.version);
  attr('xml:lang', h.lang);
  if (h.defaultNs !== XMPP_NS.client) attr('xmlns', h.defaultNs ?? '');
  return escapePreview(`${parts.join(' ')}>`, 300);
}

/** The defined condition of a `<stream:error/>` or a SASL/TLS `<failure/>`, and its text. */
export function condition(el: XmlElement): { condition: string | null; text: string | null } {
  const ns = el.name === 'error' && el.ns === XMPP_NS.stream ? XMPP_NS.streams : el.ns;
  let name: string | null = null;
  let text: string | null = null;
  for (const c of el.children) {
    if (c.ns !== ns) continue;
    if (c.name === 'text') text = c.text;
    else name ??= c.name;
  }
  return { condition: name, text };
}

function isStreamError(el: XmlElement): boolean {
  return el.name === 'error' && el.ns === XMPP_NS.stream;
}

function isFeatures(el: XmlElement): boolean {
  return el.name === 'features' && el.ns === XMPP_NS.stream;
}

/** A reply line for an element: its condition when it has one, else the compact XML. */
function replyLine(el: XmlElement): string {
  if (isStreamError(el) || el.name === 'failure') {
    const { condition: c, text } = condition(el);
    const what = isStreamError(el) ? 'stream:error' : 'failure';
    const parts = [what, c ?? '(no condition)'];
    if (text) parts.push(`"${text}"`);
    return escapePreview(parts.join(' '), 300);
  }
  return renderElement(el);
}

/** Stream features → Capabilities (facts only). */
export function featuresToCapabilities(features: XmlElement): Capabilities {
  const starttlsEl = child(features, 'starttls', XMPP_NS.tls);
  const mechanismsEl = child(features, 'mechanisms', XMPP_NS.sasl);
  const mechanisms: string[] = [];
  for (const m of mechanismsEl?.children ?? []) {
    if (m.name !== 'mechanism' || m.ns !== XMPP_NS.sasl) continue;
    const name = escapePreview(m.text.trim().toUpperCase(), 40);
    if (name && !mechanisms.includes(name) && mechanisms.length < MAX_LISTED) mechanisms.push(name);
  }
  // A Map, then own data properties: a feature named "__proto__" stays a plain key.
  const byName = new Map<string, string | true>();
  for (const c of features.children) {
    if (c === starttlsEl || c === mechanismsEl) continue;
    if (byName.size >= MAX_LISTED) break;
    const key = escapePreview(c.name, 60);
    const ns = escapePreview(c.ns, 120);
    const previous = byName.get(key);
    byName.set(key, typeof previous === 'string' ? `${previous} ${ns}` : ns || true);
  }
  const extensions = Object.fromEntries(byName);
  return {
    raw: features.children.slice(0, MAX_LISTED).map((c) => renderElement(c)),
    listed: true,
    starttls: starttlsEl !== undefined,
    starttlsRequired: starttlsEl
      ? child(starttlsEl, 'required', XMPP_NS.tls) !== undefined
      : 'unknown',
    saslMechanisms: mechanisms,
    passwordLogin: mechanisms.includes('PLAIN'),
    extensions,
  };
}

/** Capabilities of a stream without features (a pre-1.0 stream: nothing is advertised). */
const NO_FEATURES: Capabilities = {
  raw: [],
  listed: false,
  starttls: false,
  starttlsRequired: 'unknown',
  saslMechanisms: [],
  passwordLogin: 'unknown',
  extensions: {},
};

class XmppSession implements DialogSession {
  readonly #conn: Connection;
  readonly #domain: string;
  readonly #reader: XmppStreamReader;
  /** Features read by greet() and not yet handed out. */
  #pendingFeatures: XmlElement | null = null;
  /** The current stream was opened before TLS: after the handshake it must be opened again. */
  #streamOpenedInPlaintext = false;
  #streamHasFeatures = true;

  constructor(connection: Connection, context: DialogContext) {
    this.#conn = connection;
    this.#domain = context.xmppDomain ?? context.serverName;
    this.#reader = new XmppStreamReader(connection);
  }

  async greet(): Promise<Greeting> {
    const header = await this.#openStream('greeting');
    const lines = [describeHeader(header)];
    if (!this.#streamHasFeatures) return { lines, kind: 'other' };
    const first = await this.#reader.next('greeting');
    if (isStreamError(first)) return { lines: [...lines, replyLine(first)], kind: 'reject' };
    if (!isFeatures(first)) throw this.#unexpected('greeting', first, 'stream features');
    this.#pendingFeatures = first;
    return { lines, kind: 'ok' };
  }

  async capabilities(phase: 'before-tls' | 'after-tls'): Promise<Capabilities> {
    const step = phase === 'before-tls' ? 'capabilities' : 'capabilities-after-tls';
    if (phase === 'after-tls' && this.#conn.isTls && this.#streamOpenedInPlaintext) {
      // RFC 6120 §5.4.3.3: after the handshake the client opens a new stream.
      this.#reader.reset();
      this.#pendingFeatures = null;
      await this.#openStream(step);
    }
    if (!this.#streamHasFeatures) return NO_FEATURES;
    const features = this.#pendingFeatures ?? (await this.#reader.next(step));
    this.#pendingFeatures = null;
    if (isStreamError(features)) {
      throw new ProbeError({
        step,
        kind: 'refused-by-server',
        message: 'the server ended the stream with an error instead of stream features',
        evidence: replyLine(features),
      });
    }
    if (!isFeatures(features)) throw this.#unexpected(step, features, 'stream features');
    return featuresToCapabilities(features);
  }

  startTlsCommand(): string {
    return STARTTLS;
  }

  async readStartTlsReply(): Promise<StartTlsReply> {
    const el = await this.#reader.next('starttls');
    if (el.name === 'proceed' && el.ns === XMPP_NS.tls) {
      return { outcome: 'accepted', reply: [renderElement(el)] };
    }
    if ((el.name === 'failure' && el.ns === XMPP_NS.tls) || isStreamError(el)) {
      return { outcome: 'refused', reply: [replyLine(el)] };
    }
    throw this.#unexpected('starttls', el, '<proceed/> or <failure/>');
  }

  async requestStartTls(): Promise<StartTlsReply> {
    await this.#conn.write('starttls', STARTTLS);
    return this.readStartTlsReply();
  }

  injectionCommand(): { readonly data: string; readonly name: string } {
    return INJECTION;
  }

  async probeLoginBeforeTls(before: Capabilities): Promise<LoginBeforeTlsFacts | null> {
    if (!before.saslMechanisms.includes('PLAIN')) return null;
    const command = "<auth mechanism='PLAIN'/>";
    await this.#conn.write('login-probe', AUTH_PLAIN_NO_RESPONSE);
    const first = await this.#reader.next('login-probe');
    const reply = [replyLine(first)];
    if (first.name === 'challenge' && first.ns === XMPP_NS.sasl) {
      // Invited to send credentials: cancel instead (RFC 6120 §6.4.4).
      await this.#conn.write('login-probe', ABORT);
      const after = await this.#reader.next('login-probe');
      reply.push(replyLine(after));
      return { command, invited: true, reply };
    }
    if (first.name === 'failure' || isStreamError(first)) {
      return { command, invited: false, reply };
    }
    // A success without any credential, or something unexpected: recorded, not interpreted.
    return { command, invited: 'unknown', reply };
  }

  loginMechanism(): string {
    return 'SASL PLAIN';
  }

  async login(credentials: {
    readonly user: string;
    readonly password: string;
  }): Promise<LoginResult> {
    const user = plainUsername(credentials.user);
    const response = Buffer.from(`\0${user}\0${credentials.password}`, 'utf8').toString('base64');
    await this.#conn.writeSecret(
      'login',
      `<auth xmlns='${XMPP_NS.sasl}' mechanism='PLAIN'>${response}</auth>`,
      `<auth xmlns='${XMPP_NS.sasl}' mechanism='PLAIN'><credentials removed></auth>`,
    );
    const el = await this.#reader.next('login');
    const reply = [replyLine(el)];
    if (el.name === 'success' && el.ns === XMPP_NS.sasl) {
      // RFC 6120 §6.4.6: a new stream would follow; the probe ends here instead.
      this.#reader.reset();
      return { ok: true, reply };
    }
    return { ok: false, reply };
  }

  async quit(): Promise<void> {
    try {
      await this.#conn.write('close', '</stream:stream>');
    } catch {
      // A polite goodbye only.
    }
  }

  async #openStream(step: Step): Promise<StreamHeader> {
    await this.#conn.write(step, streamHeader(this.#domain));
    this.#streamOpenedInPlaintext = !this.#conn.isTls;
    const header = await this.#reader.readHeader(step);
    // Streams before version 1.0 (RFC 3920 §4.4) send no features; we would wait in vain.
    const major = Number.parseInt(header.version ?? '0', 10);
    this.#streamHasFeatures = Number.isFinite(major) && major >= 1;
    return header;
  }

  #unexpected(step: Step, el: XmlElement, expected: string): ProbeError {
    return new ProbeError({
      step,
      kind: 'protocol',
      message: `expected ${expected}, got <${escapePreview(el.name, 60)}>`,
      evidence: renderElement(el),
    });
  }
}

export const xmppDialog: Dialog = {
  protocol: 'xmpp',
  defaultPorts: { starttls: 5222, implicit: 5223 },
  capabilitiesBeforeStartTls: false,
  alpn: ['xmpp-client'],
  create(connection, context) {
    return new XmppSession(connection, context);
  },
};
