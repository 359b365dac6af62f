/**
 * Property tests (fast-check) of checkOcspStaple, the stapled-OCSP check:
 * - arbitrary text, garbage base64 and DER-shaped junk give an OcspResult (never a throw);
 * - a real staple (built and signed here, as in ocsp.test.ts) with bytes flipped anywhere gives
 *   a result, and one flipped inside the signed ResponseData is never believed (status
 *   'invalid', whatever the flip);
 * - freshness: an untouched staple is good exactly when `now` is between thisUpdate (less five
 *   minutes of clock skew) and nextUpdate;
 * - the staple is matched to its certificate whatever the serial number: large, with the top
 *   bit set, or negative (which RFC 5280 forbids and which exists).
 */
import { createHash, createPrivateKey, sign } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BasicOCSPResponse,
  CertID,
  CertStatus,
  id_pkix_ocsp_basic,
  KeyHash,
  OCSPResponse,
  OCSPResponseStatus,
  ResponderID,
  ResponseBytes,
  ResponseData,
  SingleResponse,
} from '@peculiar/asn1-ocsp';
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import * as asn1X509 from '@peculiar/asn1-x509';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { propertyRuns } from '../../../test/support/properties';
import { checkOcspStaple } from './ocsp';
import { parseCertificate, type ParsedCert } from './parse';
import { CA_EXTENSIONS, leafExtensions, makeCert, type TestCert } from './test-support';
import type { OcspResult } from './types';

const HOUR = 3_600_000;
const SKEW = 5 * 60_000;
const now = new Date(Date.now() + 10 * 60_000);
const thisUpdate = new Date(now.getTime() - HOUR);
const nextUpdate = new Date(now.getTime() + 24 * HOUR);

let dir: string;
let inter: TestCert;
let leaf: TestCert;
let leafParsed: ParsedCert;
let interParsed: ParsedCert;
/** The good staple for `leaf`, its DER, and where its signed ResponseData lies in it. */
let good: { b64: string; der: Buffer; signed: { from: number; to: number } };

const sha1 = (b: ArrayBuffer | Buffer): Buffer =>
  createHash('sha1')
    .update(Buffer.from(b as ArrayBuffer))
    .digest();
const asn = (c: TestCert): asn1X509.Certificate =>
  AsnConvert.parse(Buffer.from(c.b64, 'base64'), asn1X509.Certificate);

/** A good response for `target`, signed by `inter` (the issuer): base64, DER, and its ResponseData. */
function staple(target: TestCert): { b64: string; der: Buffer; tbs: Buffer } {
  const issuer = asn(inter);
  const certID = new CertID({
    hashAlgorithm: new asn1X509.AlgorithmIdentifier({ algorithm: '1.3.14.3.2.26', parameters: null }),
    issuerNameHash: new OctetString(sha1(AsnConvert.serialize(issuer.tbsCertificate.subject))),
    issuerKeyHash: new OctetString(sha1(issuer.tbsCertificate.subjectPublicKeyInfo.subjectPublicKey)),
    serialNumber: asn(target).tbsCertificate.serialNumber,
  }); // prettier-ignore
  const data = new ResponseData({
    responderID: new ResponderID({ byKey: new KeyHash(sha1(issuer.tbsCertificate.subjectPublicKeyInfo.subjectPublicKey)) }), // prettier-ignore
    producedAt: thisUpdate,
    responses: [
      new SingleResponse({
        certID,
        certStatus: new CertStatus({ good: null }),
        thisUpdate,
        nextUpdate,
      }),
    ],
  });
  const tbs = Buffer.from(AsnConvert.serialize(data));
  const key = createPrivateKey(readFileSync(inter.keyFile));
  const basic = new BasicOCSPResponse({
    tbsResponseData: data,
    signatureAlgorithm: new asn1X509.AlgorithmIdentifier({ algorithm: '1.2.840.10045.4.3.2' }),
    signature: new Uint8Array(sign('sha256', tbs, key)).buffer,
  });
  const der = Buffer.from(
    AsnConvert.serialize(
      new OCSPResponse({
        responseStatus: OCSPResponseStatus.successful,
        responseBytes: new ResponseBytes({
          responseType: id_pkix_ocsp_basic,
          response: new OctetString(AsnConvert.serialize(basic)),
        }),
      }),
    ),
  );
  return { b64: der.toString('base64'), der, tbs };
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'sealcheck-ocsp-prop-'));
  const root = makeCert(dir, 'root', { subject: '/CN=OCSP Prop Root', extensions: CA_EXTENSIONS });
  inter = makeCert(dir, 'inter', { subject: '/CN=OCSP Prop Intermediate', issuer: root, extensions: [...CA_EXTENSIONS, 'authorityKeyIdentifier = keyid'] }); // prettier-ignore
  leaf = makeCert(dir, 'leaf', { subject: '/CN=mail.example.org', issuer: inter, extensions: leafExtensions(['DNS:mail.example.org']) }); // prettier-ignore
  leafParsed = parseCertificate(Buffer.from(leaf.b64, 'base64'));
  interParsed = parseCertificate(Buffer.from(inter.b64, 'base64'));
  const s = staple(leaf);
  const from = s.der.indexOf(s.tbs);
  if (from < 0) throw new Error('the ResponseData is not in the staple as signed');
  good = { b64: s.b64, der: s.der, signed: { from, to: from + s.tbs.length } };
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

const STATUSES = new Set(['not-stapled', 'good', 'revoked', 'unknown', 'invalid']);
function checkResult(r: OcspResult): OcspResult {
  expect(STATUSES.has(r.status), JSON.stringify(r)).toBe(true);
  if (r.status === 'invalid') expect(typeof r.reason).toBe('string');
  return r;
}

const bytes = (max: number): fc.Arbitrary<Buffer> =>
  fc.uint8Array({ maxLength: max }).map((a) => Buffer.from(a));

describe('checkOcspStaple: garbage', () => {
  it('arbitrary text, garbage base64 and DER-shaped junk: a result, never a throw', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ unit: 'binary', maxLength: 200 }),
          bytes(300).map((b) => b.toString('base64')),
          bytes(200).map((b) =>
            Buffer.concat([Buffer.from([0x30, 0x82, b.length >> 8, b.length & 0xff]), b]).toString(
              'base64',
            ),
          ),
        ),
        fc.boolean(),
        (text, withIssuer) => {
          const r = checkResult(
            checkOcspStaple(text, leafParsed, withIssuer ? interParsed : null, now),
          );
          if (text === '') expect(r).toEqual({ status: 'not-stapled' });
          else if (!withIssuer) expect(r).toEqual({ status: 'invalid', reason: 'issuer-unknown' });
          else expect(r.status).toBe('invalid');
        },
      ),
      propertyRuns(300),
    );
  });
});

describe('checkOcspStaple: a real staple, tampered with', () => {
  it('is good untouched (the sanity check for what follows)', () => {
    expect(checkOcspStaple(good.b64, leafParsed, interParsed, now)).toMatchObject({
      status: 'good',
      responder: 'issuer',
    });
  });

  it('flipped bytes: a result; flipped inside the signed part, never believed', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), {
          minLength: 1,
          maxLength: 3,
        }),
        fc.boolean(),
        (flips, inSigned) => {
          const der = Buffer.from(good.der);
          const { from, to } = good.signed;
          const positions = flips.map(([at, mask]) => {
            const p = inSigned ? from + (at % (to - from)) : at % der.length;
            der[p] = (der[p] ?? 0) ^ mask;
            return p;
          });
          const r = checkResult(
            checkOcspStaple(der.toString('base64'), leafParsed, interParsed, now),
          );
          if (positions.some((p) => p >= from && p < to)) expect(r.status).toBe('invalid');
        },
      ),
      propertyRuns(400),
    );
  });
});

describe('checkOcspStaple: freshness', () => {
  it('good exactly from thisUpdate (less the clock skew allowed) to nextUpdate', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: thisUpdate.getTime() - 2 * HOUR, max: nextUpdate.getTime() + 2 * HOUR }),
        (t) => {
          const r = checkResult(checkOcspStaple(good.b64, leafParsed, interParsed, new Date(t)));
          const fresh = t >= thisUpdate.getTime() - SKEW && t <= nextUpdate.getTime();
          expect(r.status).toBe(fresh ? 'good' : 'invalid');
          if (!fresh)
            expect(r).toEqual({
              status: 'invalid',
              reason: t > nextUpdate.getTime() ? 'stale' : 'not-yet-valid',
            });
        },
      ),
      propertyRuns(300),
    );
  });
});

describe('checkOcspStaple: serial numbers', () => {
  it('matches its certificate whatever the serial: large, top bit set, or negative', () => {
    let n = 0;
    fc.assert(
      fc.property(
        fc.oneof(
          fc.bigInt({ min: 1n, max: (1n << 159n) - 1n }),
          fc.bigInt({ min: -(1n << 64n), max: -1n }),
          fc.integer({ min: 7, max: 159 }).map((bits) => 1n << BigInt(bits)),
        ),
        (serial) => {
          const hex = `${serial < 0n ? '-' : ''}0x${(serial < 0n ? -serial : serial).toString(16)}`;
          const target = makeCert(dir, `serial${n++}`, {
            subject: '/CN=mail.example.org',
            issuer: inter,
            extensions: leafExtensions(['DNS:mail.example.org']),
            serial: hex,
          });
          const parsed = parseCertificate(Buffer.from(target.b64, 'base64'));
          expect(checkOcspStaple(staple(target).b64, parsed, interParsed, now), hex).toMatchObject({
            status: 'good',
          });
          // …and only its own: the leaf's staple is not for this one.
          expect(checkOcspStaple(good.b64, parsed, interParsed, now)).toEqual({
            status: 'invalid',
            reason: 'not-for-this-certificate',
          });
        },
      ),
      // Edge cases first, then random ones: negative, the top bit of a byte set, a 20-byte one.
      { ...propertyRuns(8), examples: [[-0x1234n], [0x80n], [(1n << 159n) - 1n]] },
    );
  });
});
