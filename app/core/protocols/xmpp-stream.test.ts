import { describe, expect, it } from 'vitest';
import { ProbeError, type Step } from '../net/errors';
import type { Connection, TranscriptEntry } from '../net/types';
import { renderElement, utf8Prefix, XmppStreamReader, type XmlElement } from './xmpp-stream';

/** A Connection that replays scripted chunks; only what the reader uses is implemented. */
class ScriptedConnection implements Connection {
  readonly remoteAddress = '127.0.0.1';
  readonly remotePort = 5222;
  readonly isTls = false;
  readonly identityVerified = false;
  readonly identityBasis = null;
  readonly transcript: TranscriptEntry[] = [];
  readonly unreadBytes: Buffer[] = [];
  readonly chunks: Buffer[];
  reads = 0;

  constructor(chunks: readonly (string | Buffer)[]) {
    this.chunks = chunks.map((c) => (typeof c === 'string' ? Buffer.from(c, 'utf8') : c));
  }

  async readChunk(step: Step): Promise<Buffer> {
    const c = this.chunks.shift();
    if (!c) throw new ProbeError({ step, kind: 'closed', message: 'script ended' });
    this.reads++;
    return c;
  }
  unread(bytes: Buffer): void {
    this.unreadBytes.push(Buffer.from(bytes));
  }
  readLine(): Promise<string> {
    throw new Error('not used');
  }
  drain(): Promise<Buffer> {
    throw new Error('not used');
  }
  async write(): Promise<void> {}
  async writeSecret(): Promise<void> {}
  note(): void {}
  startTls(): never {
    throw new Error('not used');
  }
  async close(): Promise<void> {}
}

const HEADER =
  "<?xml version='1.0'?><stream:stream xmlns='jabber:client' " +
  "xmlns:stream='http://etherx.jabber.org/streams' from='test.example' id='abc' " +
  "version='1.0' xml:lang='en'>";

const FEATURES =
  "<stream:features><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'><required/></starttls>" +
  "<mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>PLAIN</mechanism>" +
  '<mechanism>SCRAM-SHA-1</mechanism></mechanisms></stream:features>';

async function failure(p: Promise<unknown>): Promise<ProbeError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof ProbeError) return err;
    throw err;
  }
  throw new Error('expected a ProbeError');
}

function splitEvery(s: string | Buffer, n: number): Buffer[] {
  const b = typeof s === 'string' ? Buffer.from(s, 'utf8') : s;
  const out: Buffer[] = [];
  for (let i = 0; i < b.length; i += n) out.push(b.subarray(i, i + n));
  return out;
}

describe('XmppStreamReader', () => {
  it('reads the stream header and first-level elements as trees', async () => {
    const conn = new ScriptedConnection([HEADER + FEATURES]);
    const reader = new XmppStreamReader(conn);
    const header = await reader.readHeader('greeting');
    expect(header).toEqual({
      from: 'test.example',
      to: null,
      id: 'abc',
      version: '1.0',
      lang: 'en',
      defaultNs: 'jabber:client',
    });
    const features = await reader.next('capabilities');
    expect(features.name).toBe('features');
    expect(features.ns).toBe('http://etherx.jabber.org/streams');
    expect(features.children.map((c) => [c.name, c.ns])).toEqual([
      ['starttls', 'urn:ietf:params:xml:ns:xmpp-tls'],
      ['mechanisms', 'urn:ietf:params:xml:ns:xmpp-sasl'],
    ]);
    const mechs = features.children[1]?.children.map((m) => m.text);
    expect(mechs).toEqual(['PLAIN', 'SCRAM-SHA-1']);
    expect(features.children[0]?.children[0]?.name).toBe('required');
  });

  it('reassembles elements split into one-byte chunks, including multi-byte characters', async () => {
    const text = HEADER + "<message><body>grüße 🔐 ok</body></message><x xmlns='u' a='é'>€</x>";
    const conn = new ScriptedConnection(splitEvery(text, 1));
    const reader = new XmppStreamReader(conn);
    await reader.readHeader('greeting');
    const msg = await reader.next('capabilities');
    expect(msg.children[0]?.text).toBe('grüße 🔐 ok');
    const x = await reader.next('capabilities');
    expect(x).toMatchObject({ name: 'x', ns: 'u', attrs: { a: 'é' }, text: '€' });
  });

  it('handles several elements in one chunk and whitespace keepalives between them', async () => {
    const conn = new ScriptedConnection([HEADER + '<a/>\n <b/> ', '\r\n<c/>']);
    const reader = new XmppStreamReader(conn);
    await reader.readHeader('greeting');
    const names: string[] = [];
    for (let i = 0; i < 3; i++) names.push((await reader.next('capabilities')).name);
    expect(names).toEqual(['a', 'b', 'c']);
    expect(conn.reads).toBe(2);
  });

  it('reports </stream:stream> as closed', async () => {
    const conn = new ScriptedConnection([HEADER + '<a/></stream:stream>']);
    const reader = new XmppStreamReader(conn);
    await reader.readHeader('greeting');
    expect((await reader.next('capabilities')).name).toBe('a');
    const err = await failure(reader.next('capabilities'));
    expect(err.fact).toMatchObject({ kind: 'closed', step: 'capabilities' });
    expect(reader.closedByServer).toBe(true);
  });

  it('parses a stream error as an element', async () => {
    const conn = new ScriptedConnection([
      HEADER +
        "<stream:error><host-unknown xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>" +
        "<text xmlns='urn:ietf:params:xml:ns:xmpp-streams'>no such host</text></stream:error>" +
        '</stream:stream>',
    ]);
    const reader = new XmppStreamReader(conn);
    await reader.readHeader('greeting');
    const el = await reader.next('greeting');
    expect(el.name).toBe('error');
    expect(el.children.map((c) => c.name)).toEqual(['host-unknown', 'text']);
    expect(el.children[1]?.text).toBe('no such host');
  });

  it('refuses something other than a stream header', async () => {
    const conn = new ScriptedConnection(['<html><body>hi</body></html>']);
    const err = await failure(new XmppStreamReader(conn).readHeader('greeting'));
    expect(err.fact).toMatchObject({ kind: 'protocol', step: 'greeting' });
    expect(err.fact.message).toMatch(/stream:stream/);
  });

  it('refuses garbage that is not XML', async () => {
    const conn = new ScriptedConnection(['220 mail.example ESMTP ready\r\n']);
    const err = await failure(new XmppStreamReader(conn).readHeader('greeting'));
    expect(err.fact.kind).toBe('protocol');
  });

  it('refuses bytes that are not UTF-8', async () => {
    const conn = new ScriptedConnection([
      Buffer.concat([Buffer.from(HEADER + '<a>'), Buffer.from([0xff, 0xfe]), Buffer.from('</a>')]),
    ]);
    const reader = new XmppStreamReader(conn);
    const err = await failure(reader.readHeader('greeting'));
    expect(err.fact).toMatchObject({ kind: 'protocol', message: expect.stringMatching(/UTF-8/) });
  });

  describe('restricted XML (RFC 6120 §11.1)', () => {
    it('refuses a billion-laughs DTD without expanding it', async () => {
      const laughs =
        "<?xml version='1.0'?><!DOCTYPE lolz [<!ENTITY lol 'lol'>" +
        Array.from(
          { length: 9 },
          (_, i) => `<!ENTITY lol${i + 1} '${`&lol${i === 0 ? '' : i};`.repeat(10)}'>`,
        ).join('') +
        "]><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>" +
        '<a>&lol9;</a>';
      const conn = new ScriptedConnection([laughs]);
      const before = process.memoryUsage().heapUsed;
      const err = await failure(new XmppStreamReader(conn).readHeader('greeting'));
      expect(err.fact).toMatchObject({
        kind: 'protocol',
        message: 'restricted XML: DTD not allowed',
      });
      // Fails on the DOCTYPE itself: nothing near 10^9 characters was ever built.
      expect(process.memoryUsage().heapUsed - before).toBeLessThan(64 * 1024 * 1024);
    });

    it('refuses an entity declaration even in a tiny DOCTYPE', async () => {
      const conn = new ScriptedConnection([
        "<!DOCTYPE x [<!ENTITY e SYSTEM 'file:///etc/passwd'>]>" +
          "<stream:stream xmlns:stream='http://etherx.jabber.org/streams'>&e;",
      ]);
      const err = await failure(new XmppStreamReader(conn).readHeader('greeting'));
      expect(err.fact.message).toBe('restricted XML: DTD not allowed');
    });

    it('refuses an endless DOCTYPE by the size limit, before it ends', async () => {
      const chunks = ['<!DOCTYPE x [', ...Array.from({ length: 100 }, () => ' '.repeat(4096))];
      const conn = new ScriptedConnection(chunks);
      const err = await failure(
        new XmppStreamReader(conn, { maxElementChars: 16 * 1024 }).readHeader('greeting'),
      );
      expect(err.fact).toMatchObject({ kind: 'limit', limit: { name: 'maxElementChars' } });
      expect(conn.reads).toBeLessThan(10);
    });

    it('refuses comments', async () => {
      const conn = new ScriptedConnection([HEADER + '<!-- hello --><a/>']);
      const reader = new XmppStreamReader(conn);
      const err = await failure(reader.next('capabilities'));
      expect(err.fact.message).toBe('restricted XML: comments not allowed');
    });

    it('refuses processing instructions but accepts the XML declaration', async () => {
      const conn = new ScriptedConnection([HEADER + "<?evil x='1'?><a/>"]);
      const reader = new XmppStreamReader(conn);
      const err = await failure(reader.next('capabilities'));
      expect(err.fact).toMatchObject({
        kind: 'protocol',
        step: 'capabilities',
        message: 'restricted XML: processing instructions not allowed',
      });
    });

    it('refuses undeclared entity references', async () => {
      const conn = new ScriptedConnection([HEADER + '<a>&nbsp;</a>']);
      const err = await failure(new XmppStreamReader(conn).next('capabilities'));
      expect(err.fact.kind).toBe('protocol');
    });

    it('keeps the five predefined entities, character references and CDATA', async () => {
      const conn = new ScriptedConnection([
        HEADER + "<a v='&apos;&quot;'>&lt;&amp;&gt;&#x1F510;<![CDATA[<x>]]></a>",
      ]);
      const el = await new XmppStreamReader(conn).next('capabilities');
      expect(el.attrs.v).toBe('\'"');
      expect(el.text).toBe('<&>🔐<x>');
    });

    it('stays failed after an error', async () => {
      const conn = new ScriptedConnection([HEADER + '<!-- x -->', '<a/>']);
      const reader = new XmppStreamReader(conn);
      const first = await failure(reader.next('capabilities'));
      const second = await failure(reader.next('capabilities'));
      expect(second).toBe(first);
      expect(conn.reads).toBe(1);
    });

    it('stays failed even with an element parsed before the failure in the same chunk', async () => {
      const conn = new ScriptedConnection([HEADER + '<a/><!-- x -->']);
      const reader = new XmppStreamReader(conn);
      const first = await failure(reader.next('capabilities'));
      expect(await failure(reader.next('capabilities'))).toBe(first);
    });
  });

  describe('limits', () => {
    it('stops deeply nested elements at the depth limit', async () => {
      const conn = new ScriptedConnection([HEADER + '<a>'.repeat(10_000)]);
      const err = await failure(new XmppStreamReader(conn).next('capabilities'));
      expect(err.fact).toMatchObject({ kind: 'limit', limit: { name: 'maxDepth', value: 16 } });
    });

    it('accepts nesting up to the limit', async () => {
      const conn = new ScriptedConnection([HEADER + '<a>'.repeat(15) + '</a>'.repeat(15)]);
      const el = await new XmppStreamReader(conn).next('capabilities');
      expect(el.name).toBe('a');
    });

    it('stops a huge attribute value', async () => {
      const conn = new ScriptedConnection([HEADER + `<a v='${'x'.repeat(10_000)}'/>`]);
      const err = await failure(new XmppStreamReader(conn).next('capabilities'));
      expect(err.fact).toMatchObject({
        kind: 'limit',
        limit: { name: 'maxAttributeValueChars' },
      });
    });

    it('stops an endless attribute value by the element size limit', async () => {
      const chunks = [HEADER + "<a v='", ...Array.from({ length: 1000 }, () => 'x'.repeat(4096))];
      const conn = new ScriptedConnection(chunks);
      const err = await failure(new XmppStreamReader(conn).next('capabilities'));
      expect(err.fact).toMatchObject({ kind: 'limit', limit: { name: 'maxElementChars' } });
      expect(conn.reads).toBeLessThan(20);
    });

    it('stops too many attributes', async () => {
      const attrs = Array.from({ length: 40 }, (_, i) => `a${i}='1'`).join(' ');
      const conn = new ScriptedConnection([HEADER + `<a ${attrs}/>`]);
      const err = await failure(new XmppStreamReader(conn).next('capabilities'));
      expect(err.fact).toMatchObject({ kind: 'limit', limit: { name: 'maxAttributes' } });
    });

    it('stops too many children', async () => {
      const conn = new ScriptedConnection([HEADER + '<a>' + '<b/>'.repeat(300) + '</a>']);
      const err = await failure(new XmppStreamReader(conn).next('capabilities'));
      expect(err.fact).toMatchObject({ kind: 'limit', limit: { name: 'maxChildren' } });
    });

    it('stops long text', async () => {
      const conn = new ScriptedConnection([HEADER + `<a>${'t'.repeat(20_000)}</a>`]);
      const err = await failure(new XmppStreamReader(conn).next('capabilities'));
      expect(err.fact).toMatchObject({ kind: 'limit', limit: { name: 'maxTextChars' } });
    });

    it('stops a huge element made of small parts', async () => {
      const conn = new ScriptedConnection([
        HEADER + '<a>' + "<b><c x='1'/></b>".repeat(5000) + '</a>',
      ]);
      const err = await failure(
        new XmppStreamReader(conn, { maxChildren: 100_000 }).next('capabilities'),
      );
      expect(err.fact).toMatchObject({ kind: 'limit', limit: { name: 'maxElementChars' } });
    });

    it('stops a flood of small elements nobody reads', async () => {
      const conn = new ScriptedConnection([HEADER + '<a/>'.repeat(100)]);
      const err = await failure(new XmppStreamReader(conn).readHeader('greeting'));
      expect(err.fact).toMatchObject({ kind: 'limit', limit: { name: 'maxQueuedElements' } });
    });

    it('counts each element separately', async () => {
      const big = `<a>${'t'.repeat(10_000)}</a>`;
      const conn = new ScriptedConnection([HEADER + big.repeat(10)]);
      const reader = new XmppStreamReader(conn);
      for (let i = 0; i < 10; i++) expect((await reader.next('capabilities')).name).toBe('a');
    });
  });

  describe('<proceed/> hands over to TLS', () => {
    const proceed = "<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>";

    it('gives back the bytes after the proceed element, exactly', async () => {
      const after = Buffer.concat([
        Buffer.from("<iq type='result'/>é"),
        Buffer.from([0x16, 0x03, 0x01, 0xff, 0x00]),
      ]);
      const conn = new ScriptedConnection([
        HEADER + FEATURES,
        Buffer.concat([Buffer.from('<a>ü</a>\n ' + proceed), after]),
      ]);
      const reader = new XmppStreamReader(conn);
      await reader.next('capabilities');
      expect((await reader.next('starttls')).text).toBe('ü');
      const el = await reader.next('starttls');
      expect(el.name).toBe('proceed');
      expect(conn.unreadBytes).toEqual([after]);
      const err = await failure(reader.next('starttls'));
      expect(err.fact.kind).toBe('protocol');
    });

    it('counts multi-byte characters and a character split before proceed', async () => {
      const first = Buffer.from(HEADER + '<a>€');
      const cut = first.length - 2; // the middle of "€"
      const second = Buffer.concat([
        first.subarray(cut),
        Buffer.from(`</a>${proceed}`),
        Buffer.from('🔐 plaintext'),
      ]);
      const conn = new ScriptedConnection([first.subarray(0, cut), second]);
      const reader = new XmppStreamReader(conn);
      expect((await reader.next('capabilities')).text).toBe('€');
      expect((await reader.next('starttls')).name).toBe('proceed');
      expect(Buffer.concat(conn.unreadBytes).toString('utf8')).toBe('🔐 plaintext');
    });

    it('gives back a multi-byte character cut off at the end of the chunk', async () => {
      const tail = Buffer.from('🔐').subarray(0, 2);
      const conn = new ScriptedConnection([Buffer.concat([Buffer.from(HEADER + proceed), tail])]);
      const reader = new XmppStreamReader(conn);
      expect((await reader.next('starttls')).name).toBe('proceed');
      expect(conn.unreadBytes).toEqual([tail]);
    });

    it('gives back a long tail beyond one parser slice', async () => {
      const tail = Buffer.from('x'.repeat(10_000) + '\r');
      const conn = new ScriptedConnection([Buffer.concat([Buffer.from(HEADER + proceed), tail])]);
      const reader = new XmppStreamReader(conn);
      expect((await reader.next('starttls')).name).toBe('proceed');
      expect(Buffer.concat(conn.unreadBytes)).toEqual(tail);
    });

    it('gives back nothing when proceed ends the chunk', async () => {
      const conn = new ScriptedConnection([
        HEADER,
        `<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'></proceed>`,
      ]);
      const reader = new XmppStreamReader(conn);
      expect((await reader.next('starttls')).name).toBe('proceed');
      expect(conn.unreadBytes).toEqual([]);
    });

    it('does not treat a proceed in another namespace as the go-ahead', async () => {
      const conn = new ScriptedConnection([HEADER + "<proceed xmlns='x'/><b/>"]);
      const reader = new XmppStreamReader(conn);
      expect((await reader.next('starttls')).name).toBe('proceed');
      expect((await reader.next('starttls')).name).toBe('b');
      expect(conn.unreadBytes).toEqual([]);
    });

    it('starts a new stream after reset()', async () => {
      const conn = new ScriptedConnection([
        HEADER + proceed,
        HEADER.replace('abc', 'def') + FEATURES,
      ]);
      const reader = new XmppStreamReader(conn);
      await reader.next('starttls');
      reader.reset();
      expect((await reader.readHeader('capabilities-after-tls')).id).toBe('def');
      expect((await reader.next('capabilities-after-tls')).name).toBe('features');
    });
  });
});

describe('utf8Prefix', () => {
  it.each([
    ['ascii', [0x61, 0x62], 2, false],
    ['two-byte', [0xc3, 0xa9], 2, false],
    ['cut two-byte', [0x61, 0xc3], 1, true],
    ['cut four-byte', [0xf0, 0x9f, 0x94], 0, true],
    ['overlong', [0xc0, 0xaf], 0, false],
    ['surrogate', [0xed, 0xa0, 0x80], 0, false],
    ['above U+10FFFF', [0xf4, 0x90, 0x80, 0x80], 0, false],
    ['stray continuation', [0x61, 0x80], 1, false],
  ])('%s', (_name, bytes, valid, incompleteTail) => {
    expect(utf8Prefix(Uint8Array.from(bytes))).toEqual({ valid, incompleteTail });
  });
});

describe('renderElement', () => {
  it('renders a compact, bounded element', () => {
    const el: XmlElement = {
      name: 'starttls',
      ns: 'urn:ietf:params:xml:ns:xmpp-tls',
      attrs: {},
      children: [
        {
          name: 'required',
          ns: 'urn:ietf:params:xml:ns:xmpp-tls',
          attrs: {},
          children: [],
          text: '',
        },
      ],
      text: '',
    };
    expect(renderElement(el)).toBe(
      "<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'><required/></starttls>",
    );
    expect(renderElement(el, 10)).toBe('<starttls …');
  });
});
