/**
 * A stapled OCSP response (RFC 6960, stapled per RFC 6066): parsed with @peculiar/asn1-ocsp,
 * matched to the leaf, its signature checked (the issuer itself, or a responder certificate the
 * issuer signed with the OCSP-signing EKU), and its freshness judged against `now`.
 */
import { createHash, verify as cryptoVerify } from 'node:crypto';
import {
  BasicOCSPResponse,
  id_pkix_ocsp_basic,
  OCSPResponse,
  OCSPResponseStatus,
  type SingleResponse,
} from '@peculiar/asn1-ocsp';
import { AsnConvert } from '@peculiar/asn1-schema';
import { CRLReasons } from '@peculiar/asn1-x509';
import { EKU_OCSP_SIGNING, issues, parseCertificate, type ParsedCert } from './parse';
import type { OcspResult } from './types';

/** Clock tolerance for thisUpdate in the future. */
const SKEW_MS = 5 * 60_000;
/** Without nextUpdate, a response older than this is stale. */
const MAX_AGE_WITHOUT_NEXT_UPDATE_MS = 7 * 86_400_000;

const HASHES: Readonly<Record<string, string>> = {
  '1.3.14.3.2.26': 'sha1',
  '2.16.840.1.101.3.4.2.1': 'sha256',
  '2.16.840.1.101.3.4.2.2': 'sha384',
  '2.16.840.1.101.3.4.2.3': 'sha512',
};

/** Signature OID → node:crypto digest (null for Ed25519/Ed448, undefined when unsupported). */
const SIGNATURE_DIGEST: Readonly<Record<string, string | null>> = {
  '1.2.840.113549.1.1.5': 'sha1',
  '1.2.840.113549.1.1.11': 'sha256',
  '1.2.840.113549.1.1.12': 'sha384',
  '1.2.840.113549.1.1.13': 'sha512',
  '1.2.840.10045.4.1': 'sha1',
  '1.2.840.10045.4.3.2': 'sha256',
  '1.2.840.10045.4.3.3': 'sha384',
  '1.2.840.10045.4.3.4': 'sha512',
  '1.3.101.112': null,
  '1.3.101.113': null,
};

function bytesEqual(a: ArrayBuffer | Uint8Array, b: ArrayBuffer | Uint8Array): boolean {
  return Buffer.from(a as ArrayBuffer).equals(Buffer.from(b as ArrayBuffer));
}

/** Serial number bytes without leading zero octets, for comparison. */
function serialHex(b: ArrayBuffer): string {
  return Buffer.from(b)
    .toString('hex')
    .replace(/^(00)+(?=.)/, '')
    .toLowerCase();
}

function keyBytes(cert: ParsedCert): ArrayBuffer {
  return cert.asn.tbsCertificate.subjectPublicKeyInfo.subjectPublicKey;
}

function matchesLeaf(s: SingleResponse, leaf: ParsedCert, issuer: ParsedCert): boolean {
  const digest = HASHES[s.certID.hashAlgorithm.algorithm];
  if (digest === undefined) return false;
  // The INTEGER's bytes on both sides: Node's printed serial of a negative one (which RFC 5280
  // forbids, and which exists) is "-1234", never the two's complement the CertID carries.
  if (serialHex(s.certID.serialNumber) !== serialHex(leaf.asn.tbsCertificate.serialNumber))
    return false;
  const nameHash = createHash(digest)
    .update(Buffer.from(AsnConvert.serialize(issuer.asn.tbsCertificate.subject)))
    .digest();
  const keyHash = createHash(digest)
    .update(Buffer.from(keyBytes(issuer)))
    .digest();
  return (
    bytesEqual(s.certID.issuerNameHash.buffer, nameHash) &&
    bytesEqual(s.certID.issuerKeyHash.buffer, keyHash)
  );
}

/** Does the responder id name this certificate (by key hash or by name)? */
function isResponder(basic: BasicOCSPResponse, cert: ParsedCert): boolean {
  const id = basic.tbsResponseData.responderID;
  if (id.byKey) {
    const h = createHash('sha1')
      .update(Buffer.from(keyBytes(cert)))
      .digest();
    return bytesEqual(id.byKey.buffer, h);
  }
  if (id.byName) {
    return bytesEqual(
      AsnConvert.serialize(id.byName),
      AsnConvert.serialize(cert.asn.tbsCertificate.subject),
    );
  }
  return false;
}

function signatureValid(basic: BasicOCSPResponse, signer: ParsedCert): boolean {
  const digest = SIGNATURE_DIGEST[basic.signatureAlgorithm.algorithm];
  if (digest === undefined) return false;
  const tbs = basic.tbsResponseDataRaw ?? AsnConvert.serialize(basic.tbsResponseData);
  try {
    return cryptoVerify(
      digest,
      Buffer.from(tbs),
      signer.node.publicKey,
      Buffer.from(basic.signature),
    );
  } catch {
    return false;
  }
}

function reasonName(r: CRLReasons | undefined): string | null {
  return r === undefined ? null : (CRLReasons[r] ?? String(r));
}

/**
 * Checks a stapled response for `leaf`, whose issuer is `issuer` (null when the path has none:
 * the response cannot be checked then).
 */
export function checkOcspStaple(
  responseB64: string | null,
  leaf: ParsedCert,
  issuer: ParsedCert | null,
  now: Date,
): OcspResult {
  if (responseB64 === null || responseB64 === '') return { status: 'not-stapled' };
  if (issuer === null) return { status: 'invalid', reason: 'issuer-unknown' };
  let basic: BasicOCSPResponse;
  try {
    const resp = AsnConvert.parse(Buffer.from(responseB64, 'base64'), OCSPResponse);
    if (resp.responseStatus !== OCSPResponseStatus.successful)
      return {
        status: 'invalid',
        reason: `response-status-${OCSPResponseStatus[resp.responseStatus] ?? resp.responseStatus}`,
      };
    if (!resp.responseBytes || resp.responseBytes.responseType !== id_pkix_ocsp_basic)
      return { status: 'invalid', reason: 'not-basic' };
    basic = AsnConvert.parse(resp.responseBytes.response.buffer, BasicOCSPResponse);
  } catch {
    return { status: 'invalid', reason: 'unparsable' };
  }

  const single = basic.tbsResponseData.responses.find((s) => matchesLeaf(s, leaf, issuer));
  if (!single) return { status: 'invalid', reason: 'not-for-this-certificate' };

  // The signer: the issuer itself, or a delegated responder certificate it issued for OCSP signing.
  let responder: 'issuer' | 'delegated' | null = null;
  if (isResponder(basic, issuer) && signatureValid(basic, issuer)) responder = 'issuer';
  else {
    for (const raw of basic.certs ?? []) {
      let c: ParsedCert;
      try {
        c = parseCertificate(Buffer.from(AsnConvert.serialize(raw)));
      } catch {
        continue;
      }
      if (!isResponder(basic, c) || !issues(issuer, c)) continue;
      if (!(c.info.extendedKeyUsage ?? []).includes(EKU_OCSP_SIGNING)) continue;
      if (
        Date.parse(c.info.notAfter) < now.getTime() ||
        Date.parse(c.info.notBefore) > now.getTime()
      )
        continue;
      if (signatureValid(basic, c)) {
        responder = 'delegated';
        break;
      }
    }
  }
  if (responder === null) return { status: 'invalid', reason: 'bad-signature' };

  const t = now.getTime();
  const thisUpdate = single.thisUpdate.getTime();
  if (thisUpdate > t + SKEW_MS) return { status: 'invalid', reason: 'not-yet-valid' };
  if (single.nextUpdate) {
    if (single.nextUpdate.getTime() < t) return { status: 'invalid', reason: 'stale' };
  } else if (t - thisUpdate > MAX_AGE_WITHOUT_NEXT_UPDATE_MS) {
    return { status: 'invalid', reason: 'stale' };
  }

  const st = single.certStatus;
  const status = st.revoked ? 'revoked' : st.good !== undefined ? 'good' : 'unknown';
  return {
    status,
    thisUpdate: single.thisUpdate.toISOString(),
    nextUpdate: single.nextUpdate ? single.nextUpdate.toISOString() : null,
    producedAt: basic.tbsResponseData.producedAt.toISOString(),
    responder,
    revokedAt: st.revoked ? st.revoked.revocationTime.toISOString() : null,
    revocationReason: st.revoked ? reasonName(st.revoked.revocationReason?.reason) : null,
  };
}
