/**
 * Stapled OCSP responses built in the test (asn1-ocsp schemas, signed with node:crypto): good,
 * revoked, stale, for another certificate, badly signed, and from a delegated responder.
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
  OCSPResponse,
  OCSPResponseStatus,
  ResponderID,
  ResponseBytes,
  ResponseData,
  RevokedInfo,
  SingleResponse,
} from '@peculiar/asn1-ocsp';
import { KeyHash } from '@peculiar/asn1-ocsp';
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import * as asn1X509 from '@peculiar/asn1-x509';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { certificateFindings } from '../findings/rules-certificate';
import { analyzeChain } from './index';
import { CA_EXTENSIONS, leafExtensions, makeCert, type TestCert } from './test-support';
import type { CertAnalysis } from './types';

let dir: string;
let root: TestCert;
let inter: TestCert;
let leaf: TestCert;
let responder: TestCert;
let rogue: TestCert;
// A little after the certificates are made (their notBefore is their creation second).
const now = new Date(Date.now() + 5 * 60_000);
const HOUR = 3_600_000;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'sealcheck-ocsp-'));
  root = makeCert(dir, 'root', { subject: '/CN=OCSP Test Root', extensions: CA_EXTENSIONS });
  inter = makeCert(dir, 'inter', { subject: '/CN=OCSP Test Intermediate', issuer: root, extensions: [...CA_EXTENSIONS, 'authorityKeyIdentifier = keyid'] }); // prettier-ignore
  leaf = makeCert(dir, 'leaf', { subject: '/CN=mail.example.org', issuer: inter, extensions: leafExtensions(['DNS:mail.example.org']) }); // prettier-ignore
  responder = makeCert(dir, 'responder', { subject: '/CN=OCSP Responder', issuer: inter, extensions: ['basicConstraints = critical, CA:FALSE', 'keyUsage = critical, digitalSignature', 'extendedKeyUsage = OCSPSigning', 'authorityKeyIdentifier = keyid'] }); // prettier-ignore
  rogue = makeCert(dir, 'rogue', {
    subject: '/CN=OCSP Test Intermediate',
    extensions: CA_EXTENSIONS,
  });
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

function asn(c: TestCert): asn1X509.Certificate {
  return AsnConvert.parse(Buffer.from(c.b64, 'base64'), asn1X509.Certificate);
}

const sha1 = (b: ArrayBuffer | Buffer): Buffer =>
  createHash('sha1')
    .update(Buffer.from(b as ArrayBuffer))
    .digest();

interface StapleOptions {
  readonly status?: 'good' | 'revoked' | 'unknown';
  readonly thisUpdate?: Date;
  readonly nextUpdate?: Date;
  /** Who signs (its key) and is named as responder. */
  readonly signer?: TestCert;
  readonly includeSigner?: boolean;
  readonly forCert?: TestCert;
}

function staple(o: StapleOptions = {}): string {
  const issuer = asn(inter);
  const target = asn(o.forCert ?? leaf);
  const signer = o.signer ?? inter;
  const signerAsn = asn(signer);
  const certID = new CertID({
    hashAlgorithm: new asn1X509.AlgorithmIdentifier({ algorithm: '1.3.14.3.2.26', parameters: null }),
    issuerNameHash: new OctetString(sha1(AsnConvert.serialize(issuer.tbsCertificate.subject))),
    issuerKeyHash: new OctetString(sha1(issuer.tbsCertificate.subjectPublicKeyInfo.subjectPublicKey)),
    serialNumber: target.tbsCertificate.serialNumber,
  }); // prettier-ignore
  const status = o.status ?? 'good';
  const certStatus =
    status === 'good'
      ? new CertStatus({ good: null })
      : status === 'revoked'
        ? new CertStatus({ revoked: new RevokedInfo({ revocationTime: new Date(now.getTime() - 24 * HOUR), revocationReason: new asn1X509.CRLReason(asn1X509.CRLReasons.keyCompromise) }) }) // prettier-ignore
        : new CertStatus({ unknown: null });
  const single = new SingleResponse({
    certID,
    certStatus,
    thisUpdate: o.thisUpdate ?? new Date(now.getTime() - HOUR),
    nextUpdate: o.nextUpdate ?? new Date(now.getTime() + 24 * HOUR),
  });
  const data = new ResponseData({
    responderID: new ResponderID({ byKey: new KeyHash(sha1(signerAsn.tbsCertificate.subjectPublicKeyInfo.subjectPublicKey)) }), // prettier-ignore
    producedAt: new Date(now.getTime() - HOUR),
    responses: [single],
  });
  const tbs = Buffer.from(AsnConvert.serialize(data));
  const key = createPrivateKey(readFileSync(signer.keyFile));
  const basic = new BasicOCSPResponse({
    tbsResponseData: data,
    signatureAlgorithm: new asn1X509.AlgorithmIdentifier({ algorithm: '1.2.840.10045.4.3.2' }),
    signature: new Uint8Array(sign('sha256', tbs, key)).buffer,
    ...(o.includeSigner ? { certs: [signerAsn] } : {}),
  });
  const resp = new OCSPResponse({
    responseStatus: OCSPResponseStatus.successful,
    responseBytes: new ResponseBytes({
      responseType: id_pkix_ocsp_basic,
      response: new OctetString(AsnConvert.serialize(basic)),
    }),
  });
  return Buffer.from(AsnConvert.serialize(resp)).toString('base64');
}

function analyze(ocspResponse: string | null): CertAnalysis {
  return analyzeChain({
    peerChain: [leaf.b64, inter.b64],
    chainSource: 'as-sent',
    referenceName: 'mail.example.org',
    service: 'mail',
    ocspResponse,
    now,
    trust: { publicRoots: [], publicRootsLabel: 't', systemRoots: null, extraRoots: [root.pem] },
  });
}

const ids = (a: CertAnalysis): string[] =>
  certificateFindings(a, { host: 'mail.example.org', port: 993, protocol: 'imap', security: 'implicit' }).map((f) => f.id); // prettier-ignore

describe('stapled OCSP', () => {
  it('no staple: revocation not checked (info)', () => {
    const a = analyze(null);
    expect(a.ocsp).toEqual({ status: 'not-stapled' });
    expect(ids(a)).toEqual(['cert.revocation-not-checked']);
  });

  it('a good, fresh response signed by the issuer: no finding', () => {
    const a = analyze(staple());
    expect(a.ocsp).toMatchObject({ status: 'good', responder: 'issuer' });
    expect(ids(a)).toEqual([]);
  });

  it('a revoked response: cert.revoked (critical) with date and reason', () => {
    const a = analyze(staple({ status: 'revoked' }));
    expect(a.ocsp).toMatchObject({ status: 'revoked', revocationReason: 'keyCompromise' });
    const f = certificateFindings(a, {
      host: 'h',
      port: 1,
      protocol: 'imap',
      security: 'implicit',
    });
    expect(f.map((x) => x.id)).toEqual(['cert.revoked']);
    expect(f[0]?.severity).toBe('critical');
    expect(f[0]?.evidence).toMatchObject({ reason: 'keyCompromise', cert: { index: 0 } });
  });

  it('a delegated responder with the OCSP-signing EKU, issued by the issuer, is accepted', () => {
    expect(analyze(staple({ signer: responder, includeSigner: true })).ocsp).toMatchObject({ status: 'good', responder: 'delegated' }); // prettier-ignore
  });

  it('stale, future, wrong-certificate, unknown or forged responses prove nothing', () => {
    const cases: [string, string][] = [
      [staple({ thisUpdate: new Date(now.getTime() - 72 * HOUR), nextUpdate: new Date(now.getTime() - HOUR) }), 'stale'], // prettier-ignore
      [staple({ thisUpdate: new Date(now.getTime() + 2 * HOUR) }), 'not-yet-valid'],
      [staple({ forCert: responder }), 'not-for-this-certificate'],
      [staple({ signer: rogue }), 'bad-signature'],
      [staple({ signer: rogue, includeSigner: true }), 'bad-signature'],
      ['bm90IGFuIE9DU1AgcmVzcG9uc2U=', 'unparsable'],
    ];
    for (const [response, reason] of cases) {
      const a = analyze(response);
      expect(a.ocsp).toEqual({ status: 'invalid', reason });
      expect(ids(a)).toEqual(['cert.revocation-not-checked']);
    }
    const unknown = analyze(staple({ status: 'unknown' }));
    expect(unknown.ocsp).toMatchObject({ status: 'unknown' });
    expect(ids(unknown)).toEqual(['cert.revocation-not-checked']);
  });
});
