/**
 * A small, bounded XMPP client for integration tests: opens client streams, reads stream
 * features and top-level elements with a real namespace-aware streaming XML parser (saxes),
 * upgrades with STARTTLS, and logs in with SASL PLAIN or SCRAM-SHA-1.
 *
 * Not the product's XMPP dialog (that belongs in app/core/protocols): just enough to prove the
 * test bed's Prosody behaves as its endpoints say.
 */
import { createHash, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';
import { connect as netConnect, type Socket } from 'node:net';
import { StringDecoder } from 'node:string_decoder';
import { connect as tlsConnect, type ConnectionOptions, type TLSSocket } from 'node:tls';
import { SaxesParser, type SaxesTagNS } from 'saxes';

export const NS = {
  client: 'jabber:client',
  stream: 'http://etherx.jabber.org/streams',
  tls: 'urn:ietf:params:xml:ns:xmpp-tls',
  sasl: 'urn:ietf:params:xml:ns:xmpp-sasl',
  bind: 'urn:ietf:params:xml:ns:xmpp-bind',
} as const;

/** Bounds: a misbehaving server can neither hang a test nor fill its memory. */
export const LIMITS = {
  timeoutMs: 5_000,
  maxBytesPerConnection: 256 * 1024,
  maxDepth: 32,
  maxTextPerElement: 16 * 1024,
  maxQueuedElements: 256,
} as const;

export interface XmlElement {
  /** Local name, without prefix. */
  readonly name: string;
  /** Namespace URI. */
  readonly ns: string;
  /** Attributes by qualified name (e.g. "type", "xml:lang"). */
  readonly attrs: Readonly<Record<string, string>>;
  readonly children: readonly XmlElement[];
  readonly text: string;
}

export function child(el: XmlElement, name: string, ns: string): XmlElement | undefined {
  return el.children.find((c) => c.name === name && c.ns === ns);
}

export function children(el: XmlElement, name: string, ns: string): XmlElement[] {
  return el.children.filter((c) => c.name === name && c.ns === ns);
}

/** Escapes text and attribute values for XML we send. */
export function xmlEscape(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export function streamHeader(domain: string): string {
  return (
    `<?xml version='1.0'?><stream:stream to='${xmlEscape(domain)}' xmlns='${NS.client}' ` +
    `xmlns:stream='${NS.stream}' version='1.0'>`
  );
}

interface MutableElement {
  name: string;
  ns: string;
  attrs: Record<string, string>;
  children: MutableElement[];
  text: string;
}

type Waiter = { resolve: (el: XmlElement) => void; reject: (err: Error) => void };

/**
 * One XML stream over one socket: the stream header (depth 1) and then complete top-level
 * elements (depth 2) in arrival order.
 */
class StreamReader {
  readonly #parser = new SaxesParser({ xmlns: true });
  readonly #decoder = new StringDecoder('utf8');
  readonly #queue: XmlElement[] = [];
  readonly #waiters: Waiter[] = [];
  readonly #stack: MutableElement[] = [];
  #header: XmlElement | undefined;
  #headerWaiters: Waiter[] = [];
  #failure: Error | undefined;

  constructor() {
    this.#parser.on('opentag', (tag) => this.#open(tag));
    this.#parser.on('closetag', () => this.#close());
    this.#parser.on('text', (text) => this.#text(text));
    this.#parser.on('cdata', (text) => this.#text(text));
    this.#parser.on('error', (err) =>
      this.fail(new Error(`XML from server is not well-formed: ${err.message}`)),
    );
  }

  write(chunk: Buffer): void {
    if (this.#failure) return;
    const text = this.#decoder.write(chunk);
    try {
      this.#parser.write(text);
    } catch (err) {
      this.fail(err instanceof Error ? err : new Error(String(err)));
    }
  }

  fail(err: Error): void {
    if (this.#failure) return;
    this.#failure = err;
    for (const w of [...this.#waiters.splice(0), ...this.#headerWaiters.splice(0)]) w.reject(err);
  }

  header(timeoutMs: number): Promise<XmlElement> {
    if (this.#header) return Promise.resolve(this.#header);
    if (this.#failure) return Promise.reject(this.#failure);
    return withTimeout(
      new Promise((resolve, reject) => this.#headerWaiters.push({ resolve, reject })),
      timeoutMs,
      'stream header',
    );
  }

  next(timeoutMs: number, what: string): Promise<XmlElement> {
    const el = this.#queue.shift();
    if (el) return Promise.resolve(el);
    if (this.#failure) return Promise.reject(this.#failure);
    const waiter: Partial<Waiter> = {};
    const p = new Promise<XmlElement>((resolve, reject) => {
      waiter.resolve = resolve;
      waiter.reject = reject;
    });
    this.#waiters.push(waiter as Waiter);
    return withTimeout(p, timeoutMs, what, () => {
      const i = this.#waiters.indexOf(waiter as Waiter);
      if (i >= 0) this.#waiters.splice(i, 1);
    });
  }

  #open(tag: SaxesTagNS): void {
    if (this.#stack.length >= LIMITS.maxDepth) {
      this.fail(new Error(`server XML nests deeper than ${LIMITS.maxDepth} levels`));
      return;
    }
    const attrs: Record<string, string> = {};
    for (const a of Object.values(tag.attributes)) attrs[a.name] = a.value;
    const el: MutableElement = { name: tag.local, ns: tag.uri, attrs, children: [], text: '' };
    const parent = this.#stack.at(-1);
    if (this.#stack.length >= 2 && parent) parent.children.push(el);
    this.#stack.push(el);
    if (this.#stack.length === 1) {
      this.#header = el;
      for (const w of this.#headerWaiters.splice(0)) w.resolve(el);
    }
  }

  #close(): void {
    const el = this.#stack.pop();
    if (!el) return;
    if (this.#stack.length === 0) {
      this.fail(new Error('server closed the XML stream'));
    } else if (this.#stack.length === 1) {
      const waiter = this.#waiters.shift();
      if (waiter) waiter.resolve(el);
      else if (this.#queue.length < LIMITS.maxQueuedElements) this.#queue.push(el);
      else this.fail(new Error('too many unread elements from server'));
    }
  }

  #text(text: string): void {
    const el = this.#stack.at(-1);
    if (!el || this.#stack.length < 2) return; // whitespace between top-level elements
    if (el.text.length + text.length > LIMITS.maxTextPerElement) {
      this.fail(new Error('element text from server too long'));
      return;
    }
    el.text += text;
  }
}

function withTimeout<T>(
  p: Promise<T>,
  ms: number,
  what: string,
  onTimeout?: () => void,
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      onTimeout?.();
      reject(new Error(`timed out after ${ms} ms waiting for ${what}`));
    }, ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

export interface TlsResult {
  readonly socket: TLSSocket;
  readonly authorized: boolean;
  /** Node's verification error code, e.g. CERT_HAS_EXPIRED or ERR_TLS_CERT_ALTNAME_INVALID. */
  readonly authorizationError: string | undefined;
  readonly alpnProtocol: string | false | null;
  readonly protocol: string | null;
}

/** A client-side XMPP connection under test. Always call close(). */
export class XmppConnection {
  #socket: Socket;
  #reader = new StreamReader();
  #bytes = 0;
  #onData = (chunk: Buffer): void => {
    this.#bytes += chunk.length;
    if (this.#bytes > LIMITS.maxBytesPerConnection) {
      this.#reader.fail(new Error(`server sent more than ${LIMITS.maxBytesPerConnection} bytes`));
      this.#socket.destroy();
      return;
    }
    this.#reader.write(chunk);
  };
  #onEnd = (): void => this.#reader.fail(new Error('server closed the connection'));
  #onError = (err: Error): void => this.#reader.fail(err);

  private constructor(socket: Socket) {
    this.#socket = socket;
    this.#attach();
  }

  /** Plain TCP (for STARTTLS endpoints). */
  static async connectPlain(
    host: string,
    port: number,
    timeoutMs = LIMITS.timeoutMs,
  ): Promise<XmppConnection> {
    const socket = netConnect({ host, port });
    await withTimeout(
      new Promise<void>((resolve, reject) => {
        socket.once('connect', resolve);
        socket.once('error', reject);
      }),
      timeoutMs,
      `TCP connect to ${host}:${port}`,
    ).catch((err: unknown) => {
      socket.destroy();
      throw err;
    });
    return new XmppConnection(socket);
  }

  /** Direct TLS (XEP-0368): TLS from the first byte. Verification results are returned, not thrown. */
  static async connectTls(
    options: ConnectionOptions,
    timeoutMs = LIMITS.timeoutMs,
  ): Promise<{ conn: XmppConnection; tls: TlsResult }> {
    const tls = await handshake(tlsConnect({ ...options, rejectUnauthorized: false }), timeoutMs);
    return { conn: new XmppConnection(tls.socket), tls };
  }

  get socket(): Socket {
    return this.#socket;
  }

  send(xml: string): void {
    this.#socket.write(xml);
  }

  /** Sends a new stream header and returns the server's header and its <stream:features/>. */
  async openStream(
    domain: string,
    timeoutMs = LIMITS.timeoutMs,
  ): Promise<{ header: XmlElement; features: XmlElement }> {
    this.send(streamHeader(domain));
    const header = await this.#reader.header(timeoutMs);
    if (header.name !== 'stream' || header.ns !== NS.stream) {
      throw new Error(`expected a stream header, got <${header.name} xmlns='${header.ns}'>`);
    }
    const features = await this.next(timeoutMs, 'stream features');
    if (features.name !== 'features' || features.ns !== NS.stream) {
      throw new Error(`expected <stream:features/>, got <${features.name} xmlns='${features.ns}'>`);
    }
    return { header, features };
  }

  next(timeoutMs = LIMITS.timeoutMs, what = 'an element'): Promise<XmlElement> {
    return this.#reader.next(timeoutMs, what);
  }

  /**
   * Sends <starttls/>, expects <proceed/>, and runs the TLS handshake over the same socket.
   * Returns the verification result; the caller decides whether to go on.
   */
  async startTls(options: ConnectionOptions, timeoutMs = LIMITS.timeoutMs): Promise<TlsResult> {
    this.send(`<starttls xmlns='${NS.tls}'/>`);
    const reply = await this.next(timeoutMs, 'STARTTLS reply');
    if (reply.name !== 'proceed' || reply.ns !== NS.tls) {
      throw new Error(`STARTTLS refused: <${reply.name} xmlns='${reply.ns}'>`);
    }
    this.#detach();
    const tls = await handshake(
      tlsConnect({ ...options, socket: this.#socket, rejectUnauthorized: false }),
      timeoutMs,
    );
    this.#socket = tls.socket;
    this.#reader = new StreamReader();
    this.#bytes = 0;
    this.#attach();
    return tls;
  }

  /** SASL PLAIN; resolves with the server's <success/> or <failure/>. */
  async authPlain(
    user: string,
    password: string,
    timeoutMs = LIMITS.timeoutMs,
  ): Promise<XmlElement> {
    const payload = Buffer.from(`\0${user}\0${password}`, 'utf8').toString('base64');
    this.send(`<auth xmlns='${NS.sasl}' mechanism='PLAIN'>${payload}</auth>`);
    return this.next(timeoutMs, 'SASL PLAIN result');
  }

  /** SASL SCRAM-SHA-1 without channel binding; checks the server's signature on success. */
  async authScramSha1(
    user: string,
    password: string,
    timeoutMs = LIMITS.timeoutMs,
  ): Promise<XmlElement> {
    const nonce = randomBytes(18).toString('base64');
    const clientFirstBare = `n=${scramName(user)},r=${nonce}`;
    const gs2 = 'n,,';
    this.send(
      `<auth xmlns='${NS.sasl}' mechanism='SCRAM-SHA-1'>${b64(gs2 + clientFirstBare)}</auth>`,
    );
    const challenge = await this.next(timeoutMs, 'SCRAM challenge');
    if (challenge.name !== 'challenge') return challenge;
    const serverFirst = Buffer.from(challenge.text, 'base64').toString('utf8');
    const fields = scramFields(serverFirst);
    const serverNonce = fields.get('r') ?? '';
    const salt = Buffer.from(fields.get('s') ?? '', 'base64');
    const iterations = Number(fields.get('i'));
    if (
      !serverNonce.startsWith(nonce) ||
      salt.length === 0 ||
      !Number.isInteger(iterations) ||
      iterations < 1 ||
      iterations > 1_000_000
    ) {
      throw new Error('malformed SCRAM server-first-message');
    }
    const salted = pbkdf2Sync(password, salt, iterations, 20, 'sha1');
    const clientKey = hmac(salted, 'Client Key');
    const storedKey = createHash('sha1').update(clientKey).digest();
    const withoutProof = `c=${b64(gs2)},r=${serverNonce}`;
    const authMessage = `${clientFirstBare},${serverFirst},${withoutProof}`;
    const signature = hmac(storedKey, authMessage);
    const proof = Buffer.from(clientKey.map((byte, i) => byte ^ (signature[i] ?? 0)));
    this.send(
      `<response xmlns='${NS.sasl}'>${b64(`${withoutProof},p=${proof.toString('base64')}`)}</response>`,
    );
    const result = await this.next(timeoutMs, 'SCRAM result');
    if (result.name === 'success') {
      const serverFinal = scramFields(Buffer.from(result.text, 'base64').toString('utf8'));
      const expected = hmac(hmac(salted, 'Server Key'), authMessage);
      const got = Buffer.from(serverFinal.get('v') ?? '', 'base64');
      if (got.length !== expected.length || !timingSafeEqual(got, expected)) {
        throw new Error(
          'SCRAM server signature does not match: not the server that knows the password',
        );
      }
    }
    return result;
  }

  /** After SASL success: restart the stream and bind a resource; returns the full JID. */
  async bind(domain: string, resource: string, timeoutMs = LIMITS.timeoutMs): Promise<string> {
    this.#detach();
    this.#reader = new StreamReader();
    this.#attach();
    const { features } = await this.openStream(domain, timeoutMs);
    if (!child(features, 'bind', NS.bind))
      throw new Error('server offers no resource binding after login');
    this.send(
      `<iq type='set' id='bind1'><bind xmlns='${NS.bind}'><resource>${xmlEscape(resource)}</resource></bind></iq>`,
    );
    const iq = await this.next(timeoutMs, 'bind result');
    const jid =
      iq.name === 'iq' && iq.attrs.type === 'result'
        ? child(child(iq, 'bind', NS.bind) ?? iq, 'jid', NS.bind)
        : undefined;
    if (!jid) throw new Error(`bind failed: <${iq.name} type='${iq.attrs.type ?? ''}'>`);
    return jid.text;
  }

  close(): void {
    this.#detach();
    this.#reader.fail(new Error('connection closed by the test'));
    if (!this.#socket.destroyed) {
      this.#socket.end('</stream:stream>');
      this.#socket.destroy();
    }
  }

  #attach(): void {
    this.#socket.on('data', this.#onData);
    this.#socket.on('end', this.#onEnd);
    this.#socket.on('error', this.#onError);
  }

  #detach(): void {
    this.#socket.off('data', this.#onData);
    this.#socket.off('end', this.#onEnd);
    this.#socket.off('error', this.#onError);
  }
}

async function handshake(socket: TLSSocket, timeoutMs: number): Promise<TlsResult> {
  try {
    await withTimeout(
      new Promise<void>((resolve, reject) => {
        socket.once('secureConnect', resolve);
        socket.once('error', reject);
      }),
      timeoutMs,
      'TLS handshake',
    );
  } catch (err) {
    socket.destroy();
    throw err;
  }
  const authErr = socket.authorizationError as unknown;
  return {
    socket,
    authorized: socket.authorized,
    authorizationError:
      authErr === null || authErr === undefined
        ? undefined
        : authErr instanceof Error
          ? ((authErr as NodeJS.ErrnoException).code ?? authErr.message)
          : String(authErr),
    alpnProtocol: socket.alpnProtocol ?? null,
    protocol: socket.getProtocol(),
  };
}

/** Mechanism names offered in <stream:features/>, or [] when SASL is not offered. */
export function saslMechanisms(features: XmlElement): string[] {
  const mechs = child(features, 'mechanisms', NS.sasl);
  return mechs ? children(mechs, 'mechanism', NS.sasl).map((m) => m.text.trim()) : [];
}

function b64(s: string): string {
  return Buffer.from(s, 'utf8').toString('base64');
}

function hmac(key: Buffer, data: string): Buffer {
  return createHmac('sha1', key).update(data).digest();
}

function scramName(user: string): string {
  return user.replaceAll('=', '=3D').replaceAll(',', '=2C');
}

function scramFields(message: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of message.split(',')) {
    const eq = part.indexOf('=');
    if (eq === 1) out.set(part.slice(0, 1), part.slice(2));
  }
  return out;
}
