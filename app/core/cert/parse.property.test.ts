/**
 * Property tests (fast-check) of parseCertificate on arbitrary bytes, DER-shaped garbage and
 * mutated real certificates (openssl-made, with every extension the parser reads): it either
 * returns a ParsedCert whose facts are consistent with the bytes (fingerprints of exactly those
 * bytes, readable dates, upper-case hex serial, names as strings) or throws an Error, which
 * analyzeChain turns into its "unparsable" fact (analyze.property.test.ts). Never anything
 * else, never a hang.
 */
import { createHash, X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { propertyRuns } from '../../../test/support/properties';
import { colonHex, parseCertificate } from './parse';
import { CA_EXTENSIONS, leafExtensions, makeCert } from './test-support';

let dir: string;
let ders: Buffer[] = [];

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'sealcheck-parse-prop-'));
  const root = makeCert(dir, 'root', { subject: '/O=Example/CN=Example Root', extensions: CA_EXTENSIONS }); // prettier-ignore
  const names = [
    'DNS:mail.example.org',
    'DNS:*.example.net',
    'IP:192.0.2.7',
    'IP:2001:db8::1',
    'otherName:1.3.6.1.5.5.7.8.5;UTF8:example.org',
    'otherName:1.3.6.1.5.5.7.8.7;IA5STRING:_xmpp-client.example.org',
    'email:postmaster@example.org',
  ];
  const more = [
    'authorityInfoAccess = OCSP;URI:http://ocsp.example/, caIssuers;URI:http://ca.example/ca.der',
  ];
  const leaf = makeCert(dir, 'leaf', { subject: '/O=Example/OU=Mail/CN=mail.example.org', issuer: root, extensions: leafExtensions(names, more) }); // prettier-ignore
  const rsa = makeCert(dir, 'rsa', { subject: '/CN=rsa.example', key: 'rsa1024', md: 'sha1', extensions: leafExtensions(['DNS:rsa.example']) }); // prettier-ignore
  const ed = makeCert(dir, 'ed', { subject: '/CN=ed.example', key: 'ed25519', extensions: ['basicConstraints = critical, CA:TRUE, pathlen:2'] }); // prettier-ignore
  ders = [root, leaf, rsa, ed].map((c) => Buffer.from(c.b64, 'base64'));
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** What a successful parse must say about `der`; throws (fails the property) otherwise. */
function checkParsed(der: Buffer): 'parsed' | 'refused' {
  let parsed: ReturnType<typeof parseCertificate>;
  try {
    parsed = parseCertificate(der);
  } catch (err) {
    expect(err, 'a refusal is an Error').toBeInstanceOf(Error);
    return 'refused';
  }
  const { info } = parsed;
  expect(info.sha256).toBe(colonHex(createHash('sha256').update(der).digest()));
  expect(info.sha1).toBe(colonHex(createHash('sha1').update(der).digest()));
  expect(parsed.der).toBe(der);
  expect(Number.isNaN(Date.parse(info.notBefore))).toBe(false);
  expect(Number.isNaN(Date.parse(info.notAfter))).toBe(false);
  expect(info.serial).toMatch(/^-?[0-9A-F]+$/); // negative serials exist, and print with "-"
  for (const list of [info.dnsNames, info.ipAddresses, info.xmppAddrs, info.srvNames]) {
    for (const s of list) expect(typeof s).toBe('string');
  }
  expect(typeof info.subject).toBe('string');
  expect(typeof info.issuer).toBe('string');
  expect(info.key.bits).toBeGreaterThanOrEqual(0);
  expect(typeof info.selfSigned).toBe('boolean');
  // Node read these very bytes as a certificate too.
  expect(new X509Certificate(der).fingerprint256).toBe(info.sha256);
  return 'parsed';
}

const bytes = (max: number): fc.Arbitrary<Buffer> =>
  fc.uint8Array({ maxLength: max }).map((a) => Buffer.from(a));

/** DER-shaped garbage: nested TLVs with plausible tags and (mostly) right lengths. */
const tlv: fc.Arbitrary<Buffer> = fc.letrec<{ node: Buffer }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small' },
    fc
      .tuple(fc.constantFrom(0x02, 0x03, 0x04, 0x05, 0x06, 0x0c, 0x13, 0x16, 0x17, 0x18), bytes(20))
      .map(([tag, v]) => Buffer.concat([Buffer.from([tag]), derLength(v.length), v])),
    fc
      .tuple(
        fc.constantFrom(0x30, 0x31, 0xa0, 0xa3),
        fc.array(tie('node'), { maxLength: 4 }),
        fc.integer({ min: -2, max: 2 }),
      )
      .map(([tag, kids, delta]) => {
        const v = Buffer.concat(kids);
        return Buffer.concat([Buffer.from([tag]), derLength(Math.max(0, v.length + delta)), v]);
      }),
  ),
})).node;

function derLength(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  if (n < 0x100) return Buffer.from([0x81, n]);
  return Buffer.from([0x82, n >> 8, n & 0xff]);
}

type Mutation = { at: number; kind: 'flip' | 'set' | 'delete' | 'insert'; value: number };
const mutations = fc.array(
  fc.record({
    at: fc.nat(),
    kind: fc.constantFrom(
      'flip' as const,
      'flip' as const,
      'set' as const,
      'delete' as const,
      'insert' as const,
    ),
    value: fc.integer({ min: 1, max: 255 }),
  }),
  { minLength: 1, maxLength: 4 },
);
function mutate(der: Buffer, ms: readonly Mutation[]): Buffer {
  let b = Buffer.from(der);
  for (const m of ms) {
    const at = m.at % b.length;
    if (m.kind === 'flip') b[at] = (b[at] ?? 0) ^ m.value;
    else if (m.kind === 'set') b[at] = m.value;
    else if (m.kind === 'delete') b = Buffer.concat([b.subarray(0, at), b.subarray(at + 1)]);
    else b = Buffer.concat([b.subarray(0, at), Buffer.from([m.value]), b.subarray(at)]);
  }
  return b;
}

describe('parseCertificate', () => {
  it('parses the real certificates (sanity for the mutations below)', () => {
    for (const der of ders) expect(checkParsed(der)).toBe('parsed');
  });

  it('arbitrary bytes and DER-shaped garbage: refused with an Error, never anything else', () => {
    fc.assert(
      fc.property(fc.oneof(bytes(400), tlv), (der) => {
        checkParsed(der);
      }),
      propertyRuns(500),
    );
  });

  it('mutated and truncated real certificates: consistent facts or an Error', () => {
    const seen = { parsed: 0, refused: 0 };
    const params = propertyRuns(400);
    fc.assert(
      fc.property(fc.nat(), mutations, fc.option(fc.nat(), { freq: 4 }), (which, ms, cut) => {
        const der = ders[which % ders.length] as Buffer;
        const mutated = mutate(der, ms);
        seen[checkParsed(cut === null ? mutated : mutated.subarray(0, cut % mutated.length))]++;
      }),
      params,
    );
    // Both outcomes happen: the mutations reach the parser's own reading, not only Node's.
    if ((params.numRuns ?? 0) >= 100) {
      expect(seen.parsed).toBeGreaterThan(0);
      expect(seen.refused).toBeGreaterThan(0);
    }
  });
});
