/**
 * One certificate: fields from @peculiar/asn1-x509 (the maintained RFC 5280 schemas under
 * @peculiar/x509), cryptography (fingerprints, key details, name/key-id issuer checks, signatures)
 * from node:crypto, which is synchronous.
 *
 * Why not @peculiar/x509's certificate class: its 2.x build needs a global `reflect-metadata`
 * polyfill (tsyringe) at import time, which core must not impose on the app and the CLI.
 */
import { X509Certificate as NodeX509, createHash } from 'node:crypto';
import { AsnConvert } from '@peculiar/asn1-schema';
import * as asn1X509 from '@peculiar/asn1-x509';
import { fromBER, IA5String, Utf8String } from 'asn1js';
import type { CertInfo, KeyInfo } from './types';

export const OID_XMPP_ADDR = '1.3.6.1.5.5.7.8.5';
export const OID_DNS_SRV = '1.3.6.1.5.5.7.8.7';
export const EKU_SERVER_AUTH = '1.3.6.1.5.5.7.3.1';
export const EKU_OCSP_SIGNING = '1.3.6.1.5.5.7.3.9';
export const EKU_ANY = '2.5.29.37.0';

/** Signature algorithm OIDs we name; anything else is shown by OID. */
const SIGNATURE_ALGORITHMS: Readonly<Record<string, string>> = {
  '1.2.840.113549.1.1.2': 'md2WithRSAEncryption',
  '1.2.840.113549.1.1.3': 'md4WithRSAEncryption',
  '1.2.840.113549.1.1.4': 'md5WithRSAEncryption',
  '1.2.840.113549.1.1.5': 'sha1WithRSAEncryption',
  '1.2.840.113549.1.1.10': 'rsassaPss',
  '1.2.840.113549.1.1.11': 'sha256WithRSAEncryption',
  '1.2.840.113549.1.1.12': 'sha384WithRSAEncryption',
  '1.2.840.113549.1.1.13': 'sha512WithRSAEncryption',
  '1.2.840.113549.1.1.14': 'sha224WithRSAEncryption',
  '1.2.840.10045.4.1': 'ecdsa-with-SHA1',
  '1.2.840.10045.4.3.1': 'ecdsa-with-SHA224',
  '1.2.840.10045.4.3.2': 'ecdsa-with-SHA256',
  '1.2.840.10045.4.3.3': 'ecdsa-with-SHA384',
  '1.2.840.10045.4.3.4': 'ecdsa-with-SHA512',
  '1.2.840.10040.4.3': 'dsa-with-SHA1',
  '2.16.840.1.101.3.4.3.2': 'dsa-with-SHA256',
  '1.3.101.112': 'Ed25519',
  '1.3.101.113': 'Ed448',
};

/** Signatures whose hash is broken for certificate use (collisions): MD2, MD4, MD5, SHA-1. */
const WEAK_SIGNATURE_OIDS = new Set([
  '1.2.840.113549.1.1.2',
  '1.2.840.113549.1.1.3',
  '1.2.840.113549.1.1.4',
  '1.2.840.113549.1.1.5',
  '1.2.840.10045.4.1',
  '1.2.840.10040.4.3',
]);

export function isWeakSignature(oid: string): boolean {
  return WEAK_SIGNATURE_OIDS.has(oid);
}

const GOOD_CURVES = new Set(['prime256v1', 'secp384r1', 'secp521r1']);

/** RSA/DSA under 2048 bits, EC outside P-256/P-384/P-521, unknown algorithms. Ed25519/Ed448 are fine. */
export function isWeakKey(key: KeyInfo): boolean {
  switch (key.algorithm) {
    case 'rsa':
    case 'rsa-pss':
    case 'dsa':
      return key.bits < 2048;
    case 'ec':
      return key.curve === null || !GOOD_CURVES.has(key.curve);
    case 'ed25519':
    case 'ed448':
      return false;
    default:
      return true;
  }
}

/** Upper-case colon hex, as mail clients show fingerprints. */
export function colonHex(bytes: Uint8Array): string {
  return Buffer.from(bytes)
    .toString('hex')
    .toUpperCase()
    .replace(/(..)(?!$)/g, '$1:');
}

const CURVE_BITS: Readonly<Record<string, number>> = {
  prime256v1: 256,
  secp384r1: 384,
  secp521r1: 521,
  secp256k1: 256,
  secp224r1: 224,
  prime192v1: 192,
};

function keyInfo(node: NodeX509): KeyInfo {
  const k = node.publicKey;
  const type = k.asymmetricKeyType ?? 'unknown';
  const d = k.asymmetricKeyDetails ?? {};
  if (type === 'rsa' || type === 'rsa-pss' || type === 'dsa') {
    return { algorithm: type, bits: d.modulusLength ?? 0, curve: null };
  }
  if (type === 'ec') {
    const curve = d.namedCurve ?? null;
    return { algorithm: type, bits: curve === null ? 0 : (CURVE_BITS[curve] ?? 0), curve };
  }
  if (type === 'ed25519') return { algorithm: type, bits: 256, curve: null };
  if (type === 'ed448') return { algorithm: type, bits: 456, curve: null };
  return { algorithm: type, bits: 0, curve: null };
}

/** The string inside an otherName value ([0] EXPLICIT UTF8String or IA5String), or null. */
function otherNameString(value: ArrayBuffer): string | null {
  const parsed = fromBER(value);
  if (parsed.offset === -1) return null;
  const r = parsed.result;
  if (r instanceof Utf8String || r instanceof IA5String) return r.valueBlock.value;
  // openssl writes the [0] EXPLICIT wrapper's content; some encoders keep the tag: unwrap once.
  const inner = (r.valueBlock as { value?: unknown }).value;
  if (Array.isArray(inner) && inner.length === 1) {
    const v: unknown = inner[0];
    if (v instanceof Utf8String || v instanceof IA5String) return v.valueBlock.value;
  }
  return null;
}

function hex(b: ArrayBuffer): string {
  return Buffer.from(b).toString('hex');
}

const OID_CN = '2.5.4.3';
/** Short names of common attribute types (RFC 4514 and OpenSSL's). */
const ATTRIBUTE_NAMES: Readonly<Record<string, string>> = {
  '2.5.4.3': 'CN',
  '2.5.4.5': 'serialNumber',
  '2.5.4.6': 'C',
  '2.5.4.7': 'L',
  '2.5.4.8': 'ST',
  '2.5.4.9': 'street',
  '2.5.4.10': 'O',
  '2.5.4.11': 'OU',
  '0.9.2342.19200300.100.1.25': 'DC',
  '0.9.2342.19200300.100.1.1': 'UID',
  '1.2.840.113549.1.9.1': 'emailAddress',
};

function attributeValue(v: asn1X509.AttributeValue): string {
  const s = v.toString();
  return v.anyValue !== undefined && s === '' ? `#${hex(v.anyValue)}` : s;
}

/** A readable distinguished name in encoded order, "O=Example, CN=mail.example.org" (raw: escape to show). */
export function nameToString(name: asn1X509.Name): string {
  return name
    .map((rdn) =>
      [...rdn]
        .map((atv) => `${ATTRIBUTE_NAMES[atv.type] ?? atv.type}=${attributeValue(atv.value)}`)
        .join(' + '),
    )
    .join(', ');
}

/** A parsed certificate: the plain-data info, Node's object for cryptography, and the DER. */
export interface ParsedCert {
  readonly info: CertInfo;
  readonly node: NodeX509;
  readonly der: Buffer;
  /** The ASN.1 structure (for OCSP: issuer name and key bytes). */
  readonly asn: asn1X509.Certificate;
  /** Node's canonical subject / issuer strings, used as lookup keys. */
  readonly subjectKey: string;
  readonly issuerKey: string;
}

export function parseCertificate(der: Buffer): ParsedCert {
  const node = new NodeX509(der);
  // Node (OpenSSL) reads the first certificate and ignores what follows; the fingerprints below
  // are of `der`, so it must be exactly that certificate's DER: trailing bytes (or a non-DER
  // re-encoding) would give fingerprints no client shows and no trust store matches.
  if (!node.raw.equals(der)) throw new Error('not exactly one DER-encoded certificate');
  const asn = AsnConvert.parse(der, asn1X509.Certificate);

  const dnsNames: string[] = [];
  const ipAddresses: string[] = [];
  const xmppAddrs: string[] = [];
  const srvNames: string[] = [];
  const sanExt = asn.tbsCertificate.extensions?.find(
    (e) => e.extnID === asn1X509.id_ce_subjectAltName,
  );
  if (sanExt) {
    const names = AsnConvert.parse(sanExt.extnValue, asn1X509.SubjectAlternativeName);
    for (const n of names) {
      if (n.dNSName !== undefined) dnsNames.push(n.dNSName);
      else if (n.iPAddress !== undefined) ipAddresses.push(n.iPAddress);
      else if (n.otherName !== undefined) {
        const s = otherNameString(n.otherName.value);
        if (s === null) continue;
        if (n.otherName.typeId === OID_XMPP_ADDR) xmppAddrs.push(s);
        else if (n.otherName.typeId === OID_DNS_SRV) srvNames.push(s);
      }
    }
  }
  const ext = <T>(id: string, type: new () => T): T | null => {
    const e = asn.tbsCertificate.extensions?.find((x) => x.extnID === id);
    return e ? AsnConvert.parse(e.extnValue, type) : null;
  };
  const bc = ext(asn1X509.id_ce_basicConstraints, asn1X509.BasicConstraints);
  const eku = ext(asn1X509.id_ce_extKeyUsage, asn1X509.ExtendedKeyUsage);
  const aki = ext(asn1X509.id_ce_authorityKeyIdentifier, asn1X509.AuthorityKeyIdentifier);
  const ski = ext(asn1X509.id_ce_subjectKeyIdentifier, asn1X509.SubjectKeyIdentifier);
  const aia = ext(asn1X509.id_pe_authorityInfoAccess, asn1X509.AuthorityInfoAccessSyntax);
  const aiaUrls = (method: string): string[] =>
    (aia ?? [])
      .filter((d) => d.accessMethod === method)
      .map((d) => d.accessLocation.uniformResourceIdentifier)
      .filter((u): u is string => u !== undefined);
  const subjectName = asn.tbsCertificate.subject;
  const cn = subjectName
    .flatMap((rdn) => [...rdn])
    .find((atv) => atv.type === OID_CN)
    ?.value.toString();

  const signatureOid = asn.signatureAlgorithm.algorithm;
  const subjectKey = node.subject;
  const issuerKey = node.issuer;
  let selfSigned = false;
  if (subjectKey === issuerKey) {
    try {
      selfSigned = node.verify(node.publicKey);
    } catch {
      selfSigned = false;
    }
  }

  const validity = asn.tbsCertificate.validity;
  const info: CertInfo = {
    subject: nameToString(subjectName),
    issuer: nameToString(asn.tbsCertificate.issuer),
    commonName: cn ?? null,
    serial: node.serialNumber.toUpperCase(),
    notBefore: validity.notBefore.getTime().toISOString(),
    notAfter: validity.notAfter.getTime().toISOString(),
    dnsNames,
    ipAddresses,
    xmppAddrs,
    srvNames,
    key: keyInfo(node),
    signatureAlgorithm: SIGNATURE_ALGORITHMS[signatureOid] ?? signatureOid,
    signatureOid,
    basicConstraints: bc ? { ca: bc.cA, pathLength: bc.pathLenConstraint ?? null } : null,
    extendedKeyUsage: eku ? [...eku] : null,
    authorityKeyId: aki?.keyIdentifier ? hex(aki.keyIdentifier.buffer) : null,
    subjectKeyId: ski ? hex(ski.buffer) : null,
    caIssuersUrls: aiaUrls(asn1X509.id_ad_caIssuers),
    ocspUrls: aiaUrls(asn1X509.id_ad_ocsp),
    selfSigned,
    sha256: colonHex(createHash('sha256').update(der).digest()),
    sha1: colonHex(createHash('sha1').update(der).digest()),
  };
  return { info, node, der, asn, subjectKey, issuerKey };
}

/** Does `issuer` issue `child`: names and key identifiers (OpenSSL's check) and the signature? */
export function issues(issuer: ParsedCert, child: ParsedCert): boolean {
  if (child.issuerKey !== issuer.subjectKey) return false;
  try {
    return child.node.checkIssued(issuer.node) && child.node.verify(issuer.node.publicKey);
  } catch {
    return false;
  }
}
