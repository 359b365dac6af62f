/**
 * A bounded, streaming reader for one XMPP XML stream (RFC 6120 §4, §11) over a Connection.
 *
 * Framing only: it yields the server's stream header and then complete first-level elements
 * (stream features, proceed, failure, challenge, success, stream:error, …) as small trees; the
 * dialog (xmpp.ts) decides what they mean.
 *
 * - A real namespace-aware streaming parser (saxes), fed from `readChunk()`; UTF-8 is decoded
 *   here (a character split across chunks waits for its remaining bytes) so that byte offsets
 *   stay exact.
 * - Bounded: depth, size of one first-level element (counted in UTF-16 code units fed to the
 *   parser, which also bounds what saxes buffers), attributes per element, attribute value
 *   length, children per element, text per element, queued elements. A violation is a
 *   ProbeError of kind 'limit' naming the limit.
 * - Restricted XML (RFC 6120 §11.1): a DOCTYPE (hence any DTD or entity declaration), comments
 *   and processing instructions other than the XML declaration are refused with kind
 *   'protocol'. Entities are never expanded: saxes knows only the five predefined ones and
 *   character references, and the DOCTYPE that could declare others is refused when it ends
 *   (a long one hits the size limit first).
 * - `</stream:stream>` from the server ends the stream: the next read fails with kind 'closed'.
 * - STARTTLS `<proceed/>` (RFC 6120 §5.4.2.3) hands the connection over to TLS: parsing stops at
 *   its `>`, and any bytes after it that arrived in the same chunk are given back with
 *   `connection.unread()`, so the Connection sees them as plaintext sent after the go-ahead.
 *   After TLS (or a SASL success) call `reset()`: a new stream starts.
 */
import { SaxesParser, type SaxesTagNS } from 'saxes';
import { ProbeError, type ProbeErrorKind, type Step } from '../net/errors';
import { escapePreview } from '../net/escape';
import type { Connection } from '../net/types';

export const XMPP_NS = {
  client: 'jabber:client',
  stream: 'http://etherx.jabber.org/streams',
  streams: 'urn:ietf:params:xml:ns:xmpp-streams',
  tls: 'urn:ietf:params:xml:ns:xmpp-tls',
  sasl: 'urn:ietf:params:xml:ns:xmpp-sasl',
} as const;

export interface XmlElement {
  /** Local name, without prefix. */
  readonly name: string;
  /** Namespace URI ('' when none). */
  readonly ns: string;
  /** Attributes by qualified name ("type", "xml:lang"), namespace declarations excluded. */
  readonly attrs: Readonly<Record<string, string>>;
  readonly children: readonly XmlElement[];
  /** The element's own character data (not its children's), concatenated. */
  readonly text: string;
}

/** The server's `<stream:stream>` open tag. */
export interface StreamHeader {
  readonly from: string | null;
  readonly to: string | null;
  readonly id: string | null;
  readonly version: string | null;
  readonly lang: string | null;
  /** The default namespace (jabber:client for client streams). */
  readonly defaultNs: string | null;
}

export interface XmlStreamLimits {
  /** Deepest nesting, the stream element counting as 1. */
  readonly maxDepth: number;
  /** Largest first-level element (and the header), in UTF-16 code units. */
  readonly maxElementChars: number;
  readonly maxAttributes: number;
  readonly maxAttributeValueChars: number;
  readonly maxChildren: number;
  /** Character data in one element. */
  readonly maxTextChars: number;
  /** First-level elements parsed but not yet read. */
  readonly maxQueuedElements: number;
}

export const DEFAULT_XML_LIMITS: XmlStreamLimits = {
  maxDepth: 16,
  maxElementChars: 64 * 1024,
  maxAttributes: 32,
  maxAttributeValueChars: 4 * 1024,
  maxChildren: 256,
  maxTextChars: 16 * 1024,
  maxQueuedElements: 64,
};

/** How much text is fed to saxes at once, so limits are checked while a big chunk is parsed. */
const FEED_SLICE = 4096;

interface MutableElement {
  name: string;
  ns: string;
  attrs: Record<string, string>;
  children: MutableElement[];
  text: string;
}

/** Thrown from a saxes handler to stop parsing in the middle of a chunk. */
class StopParsing {
  constructor(readonly position: number) {}
}

export class XmppStreamReader {
  readonly #connection: Connection;
  readonly #limits: XmlStreamLimits;
  readonly #decoder = new TextDecoder('utf-8', { ignoreBOM: true });

  #parser!: SaxesParser<{ xmlns: true }>;
  #stack: MutableElement[] = [];
  #queue: XmlElement[] = [];
  #header: StreamHeader | null = null;
  /** Undecoded bytes of a character split across chunks (at most 3). */
  #pendingBytes: Buffer = Buffer.alloc(0);
  /** UTF-16 code units fed to the current parser. */
  #fed = 0;
  /** Parser position where the current first-level element (or the header) began. */
  #boundary = 0;
  #step: Step = 'greeting';
  #failure: ProbeError | null = null;
  #closedByServer = false;
  #handedOver = false;
  /** The text being parsed right now: the evidence when the parser rejects it. */
  #input = '';

  constructor(connection: Connection, limits: Partial<XmlStreamLimits> = {}) {
    this.#connection = connection;
    this.#limits = { ...DEFAULT_XML_LIMITS, ...limits };
    this.reset();
  }

  /** The header of the current stream, once read. */
  get header(): StreamHeader | null {
    return this.#header;
  }

  /** True after the server sent `</stream:stream>`. */
  get closedByServer(): boolean {
    return this.#closedByServer;
  }

  /** Starts over for a new stream (after the TLS handshake, or after SASL success). */
  reset(): void {
    this.#parser = new SaxesParser({ xmlns: true });
    this.#stack = [];
    this.#queue = [];
    this.#header = null;
    this.#pendingBytes = Buffer.alloc(0);
    this.#fed = 0;
    this.#boundary = 0;
    this.#failure = null;
    this.#closedByServer = false;
    this.#handedOver = false;
    this.#wire();
  }

  /** Reads until the server's `<stream:stream>` open tag has arrived. */
  async readHeader(step: Step): Promise<StreamHeader> {
    while (!this.#header) await this.#readMore(step);
    return this.#header;
  }

  /** The next complete first-level element. */
  async next(step: Step): Promise<XmlElement> {
    for (;;) {
      // Failed stays failed: elements parsed from the same chunk before the failure are not
      // handed out after it (they would come after the error that the bytes behind them raised).
      if (this.#failure) throw this.#failure;
      const el = this.#queue.shift();
      if (el) return el;
      await this.#readMore(step);
    }
  }

  async #readMore(step: Step): Promise<void> {
    if (this.#failure) throw this.#failure;
    if (this.#closedByServer) {
      throw new ProbeError({ step, kind: 'closed', message: 'the server closed the XML stream' });
    }
    if (this.#handedOver) {
      throw new ProbeError({
        step,
        kind: 'protocol',
        message: 'the XML stream ended with <proceed/>; TLS comes next',
      });
    }
    const chunk = await this.#connection.readChunk(step);
    this.#step = step;
    try {
      this.#feedBytes(chunk);
    } catch (err) {
      if (err instanceof ProbeError) this.#failure = err;
      throw err;
    }
  }

  #feedBytes(chunk: Buffer): void {
    const buf = this.#pendingBytes.length ? Buffer.concat([this.#pendingBytes, chunk]) : chunk;
    const { valid, incompleteTail } = utf8Prefix(buf);
    const complete = buf.subarray(0, valid);
    this.#pendingBytes = incompleteTail ? Buffer.from(buf.subarray(valid)) : Buffer.alloc(0);
    const text = this.#decoder.decode(complete);

    for (let start = 0; start < text.length; start += FEED_SLICE) {
      const end = Math.min(text.length, start + FEED_SLICE);
      this.#fed += end - start;
      try {
        this.#input = text.slice(start, end);
        this.#parser.write(this.#input);
      } catch (err) {
        if (!(err instanceof StopParsing)) throw err;
        // Stopped at <proceed/> or </stream:stream>: what follows is not part of this stream.
        const unparsedUnits = this.#fed - err.position;
        const consumed = Buffer.byteLength(text.slice(0, end - unparsedUnits), 'utf8');
        const rest = Buffer.concat([buf.subarray(consumed)]);
        this.#pendingBytes = Buffer.alloc(0);
        if (this.#handedOver && rest.length > 0) this.#connection.unread(rest);
        return;
      }
      if (this.#fed - this.#boundary > this.#limits.maxElementChars) {
        this.#limit('maxElementChars', this.#limits.maxElementChars, 'an element is too large');
      }
    }
    if (!incompleteTail && valid < buf.length) {
      this.#fail('protocol', 'the server sent bytes that are not UTF-8', buf.subarray(valid));
    }
  }

  #wire(): void {
    const p = this.#parser;
    p.on('error', (err) => this.#fail('protocol', `XML not well-formed: ${err.message}`));
    p.on('doctype', () => this.#fail('protocol', 'restricted XML: DTD not allowed'));
    p.on('comment', () => this.#fail('protocol', 'restricted XML: comments not allowed'));
    p.on('processinginstruction', (pi) =>
      this.#fail('protocol', 'restricted XML: processing instructions not allowed', pi.target),
    );
    p.on('opentagstart', () => {
      if (this.#stack.length + 1 > this.#limits.maxDepth) {
        this.#limit('maxDepth', this.#limits.maxDepth, 'elements nest too deeply');
      }
    });
    p.on('attribute', (attr) => {
      if (attr.value.length > this.#limits.maxAttributeValueChars) {
        this.#limit(
          'maxAttributeValueChars',
          this.#limits.maxAttributeValueChars,
          'an attribute value is too long',
          attr.name,
        );
      }
    });
    p.on('opentag', (tag) => this.#open(tag));
    p.on('closetag', () => this.#close());
    p.on('text', (text) => this.#text(text));
    p.on('cdata', (text) => this.#text(text));
  }

  #open(tag: SaxesTagNS): void {
    const all = Object.values(tag.attributes);
    if (all.length > this.#limits.maxAttributes) {
      this.#limit('maxAttributes', this.#limits.maxAttributes, 'too many attributes', tag.name);
    }
    const attrs = Object.create(null) as Record<string, string>; // "__proto__" is just a name
    for (const a of all) {
      if (a.prefix === 'xmlns' || (a.prefix === '' && a.local === 'xmlns')) continue;
      attrs[a.name] = a.value;
    }
    const el: MutableElement = { name: tag.local, ns: tag.uri, attrs, children: [], text: '' };
    const depth = this.#stack.length + 1;
    if (depth === 1) {
      if (tag.local !== 'stream' || tag.uri !== XMPP_NS.stream) {
        this.#fail('protocol', 'expected a <stream:stream> header', `<${tag.name}>`);
      }
      this.#header = {
        from: attrs.from ?? null,
        to: attrs.to ?? null,
        id: attrs.id ?? null,
        version: attrs.version ?? null,
        lang: attrs['xml:lang'] ?? null,
        defaultNs: tag.ns[''] ?? null,
      };
      this.#boundary = this.#parser.position;
    } else if (depth > 2) {
      const parent = this.#stack.at(-1);
      if (parent) {
        if (parent.children.length >= this.#limits.maxChildren) {
          this.#limit('maxChildren', this.#limits.maxChildren, 'too many child elements');
        }
        parent.children.push(el);
      }
    }
    this.#stack.push(el);
  }

  #close(): void {
    const el = this.#stack.pop();
    if (!el) return;
    if (this.#stack.length === 0) {
      this.#closedByServer = true;
      throw new StopParsing(this.#parser.position);
    }
    if (this.#stack.length > 1) return;
    const position = this.#parser.position;
    if (position - this.#boundary > this.#limits.maxElementChars) {
      this.#limit('maxElementChars', this.#limits.maxElementChars, 'an element is too large');
    }
    this.#boundary = position;
    if (this.#queue.length >= this.#limits.maxQueuedElements) {
      this.#limit('maxQueuedElements', this.#limits.maxQueuedElements, 'too many elements at once');
    }
    this.#queue.push(el);
    if (el.name === 'proceed' && el.ns === XMPP_NS.tls) {
      this.#handedOver = true;
      throw new StopParsing(position);
    }
  }

  #text(text: string): void {
    const el = this.#stack.at(-1);
    if (!el) return; // saxes itself refuses non-whitespace outside the root
    if (this.#stack.length === 1) {
      // Between first-level elements only whitespace (keepalives) is allowed.
      if (/[^ \t\r\n]/.test(text)) this.#fail('protocol', 'text outside any element', text);
      return;
    }
    if (el.text.length + text.length > this.#limits.maxTextChars) {
      this.#limit('maxTextChars', this.#limits.maxTextChars, 'element text is too long', el.name);
    }
    el.text += text;
  }

  #limit(name: string, value: number, message: string, evidence?: string): never {
    throw this.#error('limit', `XML limit: ${message} (${name} ${value})`, evidence, {
      name,
      value,
    });
  }

  #fail(kind: ProbeErrorKind, message: string, evidence?: string | Buffer): never {
    throw this.#error(kind, message, evidence);
  }

  #error(
    kind: ProbeErrorKind,
    message: string,
    evidence?: string | Buffer,
    limit?: { name: string; value: number },
  ): ProbeError {
    // Without explicit evidence, the input that the parser was reading when it failed.
    const raw = evidence ?? (this.#input !== '' ? this.#input : undefined);
    const ev = raw === undefined ? undefined : escapePreview(raw, 200);
    return new ProbeError({
      step: this.#step,
      kind,
      message,
      ...(ev !== undefined ? { evidence: ev } : {}),
      ...(limit ? { limit } : {}),
    });
  }
}

/**
 * The longest prefix of `buf` made of complete, valid UTF-8 sequences (RFC 3629), and whether
 * the rest is only the start of a valid sequence cut off by the end of the buffer.
 */
export function utf8Prefix(buf: Uint8Array): { valid: number; incompleteTail: boolean } {
  let i = 0;
  const n = buf.length;
  while (i < n) {
    const b = buf[i] ?? 0;
    if (b < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) need = 1;
    else if (b >= 0xe0 && b <= 0xef) {
      need = 2;
      if (b === 0xe0) lo = 0xa0;
      else if (b === 0xed) hi = 0x9f;
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3;
      if (b === 0xf0) lo = 0x90;
      else if (b === 0xf4) hi = 0x8f;
    } else return { valid: i, incompleteTail: false };
    for (let k = 1; k <= need; k++) {
      if (i + k >= n) return { valid: i, incompleteTail: true };
      const c = buf[i + k] ?? 0;
      const [min, max] = k === 1 ? [lo, hi] : [0x80, 0xbf];
      if (c < min || c > max) return { valid: i, incompleteTail: false };
    }
    i += need + 1;
  }
  return { valid: i, incompleteTail: false };
}

/** Escapes text and attribute values for XML we send. */
export function xmlEscape(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** A compact, bounded rendering of an element tree for facts and reply lines (escaped). */
export function renderElement(el: XmlElement, max = 300): string {
  const parts: string[] = [];
  let length = 0;
  const push = (s: string): boolean => {
    parts.push(s);
    length += s.length;
    return length <= max;
  };
  const walk = (e: XmlElement, parentNs: string): boolean => {
    let open = `<${e.name}`;
    if (e.ns !== parentNs) open += ` xmlns='${e.ns}'`;
    for (const [k, v] of Object.entries(e.attrs)) open += ` ${k}='${v}'`;
    const text = e.text.trim();
    if (e.children.length === 0 && text === '') return push(`${open}/>`);
    if (!push(`${open}>`)) return false;
    if (text && !push(text)) return false;
    for (const c of e.children) if (!walk(c, e.ns)) return false;
    return push(`</${e.name}>`);
  };
  walk(el, XMPP_NS.client);
  return escapePreview(parts.join(''), max);
}

export function child(el: XmlElement, name: string, ns: string): XmlElement | undefined {
  return el.children.find((c) => c.name === name && c.ns === ns);
}
