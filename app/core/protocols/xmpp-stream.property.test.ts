/**
 * Property tests (fast-check) for XmppStreamReader:
 *
 * - any well-formed stream (a header, then first-level elements with attributes, namespaces,
 *   text with any XML character, CDATA and children, with whitespace keepalives between them),
 *   cut into chunks at any byte (inside a multi-byte character too), yields the same header and
 *   elements as the unsplit stream and as the model it was written from;
 * - `</stream:stream>` ends it as 'closed'; after `<proceed/>` every byte that follows, whatever
 *   it is, is given back (unread, or never read): nothing after the go-ahead is parsed or lost;
 * - arbitrary bytes and XML-like token soup never throw anything but a ProbeError ('protocol',
 *   'limit' naming the limit and its value, or 'closed'), never hang, stay failed once failed,
 *   and every element handed out respects the limits (small ones here, so they are reached).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { propertyRuns } from '../../../test/support/properties';
import { ProbeError } from '../net/errors';
import { anyBytes, ChunkedConnection, cuts, splitBytes } from './testing/chunked-connection';
import {
  DEFAULT_XML_LIMITS,
  XMPP_NS,
  XmppStreamReader,
  type StreamHeader,
  type XmlElement,
  type XmlStreamLimits,
} from './xmpp-stream';

/** A minimal stream header. */
const HEADER =
  "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>";

// ── A model of well-formed streams ─────────────────────────────────────────

interface Tree {
  readonly name: string;
  /** First-level elements may be in the stream namespace by prefix ("stream:features"). */
  readonly prefixed: boolean;
  readonly xmlns: string | null;
  readonly attrs: readonly (readonly [string, string])[];
  readonly content: readonly Content[];
  /** `<x/>` rather than `<x></x>` when there is no content. */
  readonly selfClosing: boolean;
}
type Content =
  | { readonly kind: 'text'; readonly value: string }
  | { readonly kind: 'cdata'; readonly value: string }
  | { readonly kind: 'element'; readonly tree: Tree };

/** XML 1.0 Char (§2.2). */
function isXmlChar(cp: number): boolean {
  return (
    cp === 0x9 ||
    cp === 0xa ||
    cp === 0xd ||
    (cp >= 0x20 && cp <= 0xd7ff) ||
    (cp >= 0xe000 && cp <= 0xfffd) ||
    (cp >= 0x10000 && cp <= 0x10ffff)
  );
}

const xmlText = fc.string({
  maxLength: 16,
  unit: fc.oneof(
    {
      weight: 2,
      arbitrary: fc.constantFrom(
        '<',
        '>',
        '&',
        '"',
        "'",
        '\r',
        '\n',
        '\t',
        ' ',
        ']',
        'é',
        '€',
        '🔐',
        '\ufeff',
      ),
    },
    {
      weight: 1,
      arbitrary: fc
        .string({ unit: 'binary', minLength: 1, maxLength: 1 })
        .filter((c) => isXmlChar(c.codePointAt(0) ?? 0)),
    },
  ),
});

const ENTITIES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&apos;',
};
/** Character data: markup escaped; CR as a reference (a raw one would be normalised to LF). */
function escText(s: string): string {
  return s.replace(/[&<>"'\r]/g, (c) => ENTITIES[c] ?? `&#${c.charCodeAt(0)};`);
}
/** Attribute values: also tab and LF as references (raw ones would be normalised to spaces). */
function escAttr(s: string): string {
  return s.replace(/[&<>"'\r\n\t]/g, (c) => ENTITIES[c] ?? `&#${c.charCodeAt(0)};`);
}

const elementName = fc.constantFrom('a', 'b', 'iq', 'message', 'body', 'x-y', 'features', 'é.1');
const attrs = fc.uniqueArray(
  fc.tuple(fc.constantFrom('a', 'b', 'type', 'id', 'to', 'xml:lang', 'x-y', '__proto__'), xmlText),
  { selector: ([name]) => name, maxLength: 4 },
);
const xmlns = fc.option(
  fc.constantFrom('urn:example', XMPP_NS.client, XMPP_NS.sasl, XMPP_NS.tls, ''),
  { freq: 2 },
);
const leafContent: fc.Arbitrary<Content> = fc.oneof(
  { weight: 3, arbitrary: xmlText.map((value) => ({ kind: 'text' as const, value })) },
  {
    weight: 1,
    // CDATA holds no "]]>" and no CR (it would be normalised): neither can be escaped there.
    arbitrary: xmlText.map((v) => ({ kind: 'cdata' as const, value: v.replace(/[>\r]/g, '') })),
  },
);

function treeOf(depth: number, firstLevel: boolean): fc.Arbitrary<Tree> {
  const content: fc.Arbitrary<Content> =
    depth === 0
      ? leafContent
      : fc.oneof(
          leafContent,
          treeOf(depth - 1, false).map((tree) => ({ kind: 'element' as const, tree })),
        );
  return fc.record({
    name: elementName,
    prefixed: firstLevel ? fc.boolean() : fc.constant(false),
    xmlns,
    attrs,
    content: fc.array(content, { maxLength: 4 }),
    selfClosing: fc.boolean(),
  });
}

function serialize(t: Tree): string {
  const qname = t.prefixed ? `stream:${t.name}` : t.name;
  const ns = t.xmlns === null ? '' : ` xmlns='${escAttr(t.xmlns)}'`;
  const at = t.attrs.map(([k, v]) => ` ${k}="${escAttr(v)}"`).join('');
  const inner = t.content
    .map((c) =>
      c.kind === 'text'
        ? escText(c.value)
        : c.kind === 'cdata'
          ? `<![CDATA[${c.value}]]>`
          : serialize(c.tree),
    )
    .join('');
  return inner === '' && t.selfClosing
    ? `<${qname}${ns}${at}/>`
    : `<${qname}${ns}${at}>${inner}</${qname}>`;
}

/** The element the reader must produce for a tree, with `defaultNs` in scope. */
function modelElement(t: Tree, defaultNs: string): XmlElement {
  const inScope = t.xmlns ?? defaultNs;
  return {
    name: t.name,
    ns: t.prefixed ? XMPP_NS.stream : inScope,
    attrs: Object.fromEntries(t.attrs),
    children: t.content.flatMap((c) =>
      c.kind === 'element' ? [modelElement(c.tree, inScope)] : [],
    ),
    text: t.content.map((c) => (c.kind === 'element' ? '' : c.value)).join(''),
  };
}

/** Plain objects (the reader's attrs have no prototype), for deep equality. */
function plain(el: XmlElement): XmlElement {
  return { ...el, attrs: { ...el.attrs }, children: el.children.map(plain) };
}

const keepalive = fc.constantFrom('', '', ' ', '\n', '\r\n', '\t ');
const PROCEED = [
  `<proceed xmlns='${XMPP_NS.tls}'/>`,
  `<proceed xmlns="${XMPP_NS.tls}"></proceed>`,
  `<tls:proceed xmlns:tls='${XMPP_NS.tls}'/>`,
];

const stream = fc.record({
  declaration: fc.boolean(),
  from: xmlText,
  id: xmlText,
  elements: fc.array(fc.tuple(keepalive, treeOf(3, true)), { maxLength: 8 }),
  end: fc.oneof(
    fc.constant({ kind: 'none' as const }),
    fc.record({ kind: fc.constant('close' as const), ws: keepalive }),
    fc.record({
      kind: fc.constant('proceed' as const),
      element: fc.constantFrom(...PROCEED),
      trailer: fc.oneof(anyBytes(40), fc.constant(Buffer.from('<a/>\r\n</stream:stream>'))),
    }),
  ),
});

type Stream = typeof stream extends fc.Arbitrary<infer T> ? T : never;

function streamBytes(s: Stream): Buffer {
  const header =
    `${s.declaration ? "<?xml version='1.0'?>\n" : ''}<stream:stream xmlns='jabber:client' ` +
    `xmlns:stream='${XMPP_NS.stream}' from='${escAttr(s.from)}' id="${escAttr(s.id)}" version='1.0'>`;
  const body = s.elements.map(([ws, t]) => `${ws}${serialize(t)}`).join('');
  const end =
    s.end.kind === 'close'
      ? Buffer.from(`${s.end.ws}</stream:stream>`)
      : s.end.kind === 'proceed'
        ? Buffer.concat([Buffer.from(s.end.element), s.end.trailer])
        : Buffer.alloc(0);
  return Buffer.concat([Buffer.from(header + body), end]);
}

async function settle<T>(p: Promise<T>): Promise<{ value: T } | { error: ProbeError }> {
  try {
    return { value: await p };
  } catch (err) {
    if (err instanceof ProbeError) return { error: err };
    throw err;
  }
}

interface Outcome {
  readonly header: StreamHeader;
  readonly elements: XmlElement[];
  /** The failure of the read after the last element. */
  readonly after: { readonly kind: string; readonly message: string };
  readonly closedByServer: boolean;
  readonly leftover: Buffer;
}

async function readAll(chunks: Buffer[], count: number): Promise<Outcome> {
  const conn = new ChunkedConnection(chunks);
  const reader = new XmppStreamReader(conn);
  const header = await reader.readHeader('greeting');
  const elements: XmlElement[] = [];
  for (let i = 0; i < count; i++) elements.push(plain(await reader.next('capabilities')));
  const last = await settle(reader.next('capabilities'));
  if (!('error' in last)) throw new Error(`an element more than sent: ${last.value.name}`);
  return {
    header,
    elements,
    after: { kind: last.error.fact.kind, message: last.error.fact.message },
    closedByServer: reader.closedByServer,
    leftover: conn.leftover(),
  };
}

describe('XmppStreamReader (properties)', () => {
  it('any well-formed stream, split anywhere, reads as unsplit and as the model', async () => {
    await fc.assert(
      fc.asyncProperty(stream, cuts, async (s, at) => {
        const bytes = streamBytes(s);
        const expected = s.elements.map(([, t]) => modelElement(t, XMPP_NS.client));
        const proceed = s.end.kind === 'proceed';
        if (proceed)
          expected.push({ name: 'proceed', ns: XMPP_NS.tls, attrs: {}, children: [], text: '' });
        const whole = await readAll([bytes], expected.length);
        const split = await readAll(splitBytes(bytes, at), expected.length);
        expect(split).toEqual(whole);
        expect(whole.header).toEqual({
          from: s.from,
          to: null,
          id: s.id,
          version: '1.0',
          lang: null,
          defaultNs: XMPP_NS.client,
        });
        expect(whole.elements).toEqual(expected);
        expect(whole.closedByServer).toBe(s.end.kind === 'close');
        if (s.end.kind === 'proceed') {
          // Everything after the go-ahead is handed back untouched, and nothing more is parsed.
          expect(split.leftover.equals(s.end.trailer)).toBe(true);
          expect(whole.after.kind).toBe('protocol');
        } else {
          expect(whole.after.kind).toBe('closed');
        }
      }),
      propertyRuns(300),
    );
  });
});

describe('XmppStreamReader restricted XML (properties)', () => {
  it('a comment, processing instruction, DTD or unknown entity anywhere ends it as a protocol error', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(treeOf(2, true), { maxLength: 6 }),
        fc.nat(),
        fc.constantFrom(
          '<!-- c -->',
          "<?pi x='1'?>",
          '<!DOCTYPE x>',
          '<a>&nbsp;</a>',
          '<a><!--x--></a>',
        ),
        cuts,
        async (trees, where, forbidden, at) => {
          const n = where % (trees.length + 1);
          const xml = [
            ...trees.slice(0, n).map(serialize),
            forbidden,
            ...trees.slice(n).map(serialize),
          ];
          const bytes = Buffer.from(`${HEADER}${xml.join('')}`);
          const reader = new XmppStreamReader(new ChunkedConnection(splitBytes(bytes, at)));
          const names: string[] = [];
          for (;;) {
            const r = await settle(reader.next('capabilities'));
            if ('error' in r) {
              expect(r.error.fact.kind).toBe('protocol');
              break;
            }
            names.push(r.value.name);
          }
          // Only elements from before the forbidden part, in order.
          expect(
            trees
              .slice(0, n)
              .map((t) => t.name)
              .slice(0, names.length),
          ).toEqual(names);
        },
      ),
      propertyRuns(300),
    );
  });
});

// ── Anything at all ────────────────────────────────────────────────────────

const SMALL: XmlStreamLimits = {
  maxDepth: 4,
  maxElementChars: 300,
  maxAttributes: 3,
  // The stream header's own namespace (32 characters) must pass.
  maxAttributeValueChars: 40,
  maxChildren: 4,
  maxTextChars: 24,
  maxQueuedElements: 6,
};
const TOKENS = [
  '<a>',
  '</a>',
  '<b/>',
  "<c x='1' y='2'/>",
  "<d a='1' b='2' c='3' e='4'/>",
  `<v a='${'v'.repeat(41)}'/>`,
  "<a xmlns='urn:x'>",
  '<stream:features>',
  '</stream:features>',
  '<p:q>',
  '<![CDATA[',
  ']]>',
  '<!--',
  '-->',
  "<?pi x='1'?>",
  "<?xml version='1.0'?>",
  '<!DOCTYPE x>',
  '&amp;',
  '&bogus;',
  '&#0;',
  '&#x1F510;',
  'text ',
  't'.repeat(30),
  '<e><e><e><e>',
  '\r\n',
  ' ',
  PROCEED[0] ?? '',
  '</stream:stream>',
  HEADER,
];
const soup = fc.oneof(
  { weight: 1, arbitrary: anyBytes(120) },
  {
    weight: 4,
    arbitrary: fc
      .tuple(
        fc.boolean(),
        fc.array(
          fc.oneof(
            fc.constantFrom(...TOKENS).map((t) => Buffer.from(t)),
            anyBytes(6),
          ),
          {
            maxLength: 40,
          },
        ),
      )
      .map(([header, parts]) => Buffer.concat([Buffer.from(header ? HEADER : ''), ...parts])),
  },
);

/** Checks one element handed out against the limits; `depth` counts the stream as 1. */
function withinLimits(el: XmlElement, limits: XmlStreamLimits, depth: number): number {
  expect(depth).toBeLessThanOrEqual(limits.maxDepth);
  const values = Object.values(el.attrs);
  expect(values.length).toBeLessThanOrEqual(limits.maxAttributes);
  for (const v of values) expect(v.length).toBeLessThanOrEqual(limits.maxAttributeValueChars);
  expect(el.children.length).toBeLessThanOrEqual(limits.maxChildren);
  expect(el.text.length).toBeLessThanOrEqual(limits.maxTextChars);
  let chars = el.text.length + values.reduce((n, v) => n + v.length, 0);
  for (const c of el.children) chars += withinLimits(c, limits, depth + 1);
  return chars;
}

/** A first-level element of exactly `size` characters, every other limit of SMALL kept. */
function sized(size: number): string {
  // <s> four <k>, each with four <g> holding text: 147 to 531 characters.
  let text = size - (7 + 4 * (7 + 4 * 7));
  const g = (): string => {
    const n = Math.min(SMALL.maxTextChars, Math.max(0, text));
    text -= n;
    return `<g>${'t'.repeat(n)}</g>`;
  };
  const k = (): string => `<k>${g()}${g()}${g()}${g()}</k>`;
  return `<s>${k()}${k()}${k()}${k()}</s>`;
}

/** Elements just within and just beyond each of SMALL's limits, with the limit they break. */
const BOUNDARY: readonly (readonly [string, keyof XmlStreamLimits | null])[] = [
  [`<v a='${'v'.repeat(40)}'/>`, null],
  [`<v a='${'v'.repeat(41)}'/>`, 'maxAttributeValueChars'],
  [`<t>${'t'.repeat(24)}</t>`, null],
  [`<t>${'t'.repeat(12)}<![CDATA[${'t'.repeat(13)}]]></t>`, 'maxTextChars'],
  [`<c>${'<b/>'.repeat(4)}</c>`, null],
  [`<c>${'<b/>'.repeat(5)}</c>`, 'maxChildren'],
  ["<n a='1' b='2' c='3'/>", null],
  ["<n a='1' b='2' c='3' d='4'/>", 'maxAttributes'],
  ["<n xmlns='urn:x' a='1' b='2'/>", null],
  ["<n xmlns='urn:x' a='1' b='2' c='3'/>", 'maxAttributes'],
  ['<e><e><e/></e></e>', null],
  ['<e><e><e><e/></e></e></e>', 'maxDepth'],
  [sized(SMALL.maxElementChars), null],
  [sized(SMALL.maxElementChars + 1), 'maxElementChars'],
];

describe('XmppStreamReader on anything (properties)', () => {
  it('limits hold exactly at their boundaries, however the stream is cut', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.constantFrom(...BOUNDARY), {
          minLength: 1,
          maxLength: SMALL.maxQueuedElements,
        }),
        cuts,
        async (elements, at) => {
          const bytes = Buffer.from(HEADER + elements.map(([xml]) => xml).join(''));
          const reader = new XmppStreamReader(new ChunkedConnection(splitBytes(bytes, at)), SMALL);
          const broken = elements.findIndex(([, limit]) => limit !== null);
          const names: string[] = [];
          for (;;) {
            const r = await settle(reader.next('capabilities'));
            if ('value' in r) {
              withinLimits(r.value, SMALL, 2);
              names.push(r.value.name);
              continue;
            }
            if (broken < 0) expect(r.error.fact.message).toBe('the script ended');
            else {
              expect(r.error.fact).toMatchObject({
                kind: 'limit',
                limit: {
                  name: elements[broken]?.[1],
                  value: SMALL[elements[broken]?.[1] ?? 'maxDepth'],
                },
              });
            }
            break;
          }
          // Those before the broken one (or all), in order; a failure may swallow the ones parsed
          // from its own chunk, never hand out one after it.
          const before = elements
            .slice(0, broken < 0 ? undefined : broken)
            .map(([xml]) => /^<(\w+)/.exec(xml)?.[1]);
          if (broken < 0) expect(names).toEqual(before);
          else expect(before.slice(0, names.length)).toEqual(names);
        },
      ),
      propertyRuns(500),
    );
  });

  for (const [label, limits] of [
    ['small limits', SMALL],
    ['the default limits', DEFAULT_XML_LIMITS],
  ] as const) {
    it(`never throws anything but a ProbeError, never hangs, and keeps ${label}`, async () => {
      await fc.assert(
        fc.asyncProperty(soup, cuts, async (bytes, at) => {
          const conn = new ChunkedConnection(splitBytes(bytes, at), 10_000);
          const reader = new XmppStreamReader(conn, limits);
          let failure: ProbeError | null = null;
          const first = await settle(reader.readHeader('greeting'));
          if ('error' in first) failure = first.error;
          // Each next() returns a queued element or reads a chunk: this ends.
          for (let i = 0; failure === null && i <= bytes.length + 1; i++) {
            const r = await settle(reader.next('capabilities'));
            if ('error' in r) failure = r.error;
            else {
              const chars = withinLimits(r.value, limits, 2);
              expect(chars).toBeLessThanOrEqual(limits.maxElementChars);
            }
          }
          expect(failure).not.toBeNull();
          if (failure === null) return;
          const { kind, limit, message } = failure.fact;
          expect(['protocol', 'limit', 'closed']).toContain(kind);
          if (kind === 'limit') {
            expect(limit).toBeDefined();
            expect(limits[(limit?.name ?? '') as keyof XmlStreamLimits]).toBe(limit?.value);
          }
          // A parse failure sticks: the next read fails the same way, reading nothing more.
          const parseFailure =
            kind === 'limit' || (kind === 'protocol' && !message.includes('proceed'));
          if (parseFailure) {
            const reads = conn.reads;
            const again = await settle(reader.next('capabilities'));
            expect('error' in again && again.error).toBe(failure);
            expect(conn.reads).toBe(reads);
          }
        }),
        propertyRuns(label === 'small limits' ? 500 : 200),
      );
    });
  }
});
