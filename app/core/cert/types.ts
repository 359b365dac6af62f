/**
 * Certificate analysis: inputs and the result, as immutable plain data (no wording, no findings).
 * analyzeChain (analyze.ts) fills a CertAnalysis from the peer chain; findings/rules-certificate.ts
 * turns it into findings.
 */
import type { InterceptionMatch } from './interception';

/** The trust anchors a chain is checked against. */
export interface TrustStores {
  /** PEM, e.g. tls.rootCertificates (Mozilla's program, as bundled with Node). */
  readonly publicRoots: readonly string[];
  /** Which public bundle, e.g. "Node 24.21.0 bundle (Mozilla)". */
  readonly publicRootsLabel: string;
  /** The operating system's store (PEM), null when unknown. */
  readonly systemRoots: readonly string[] | null;
  /** Roots the user passed knowingly (--ca-file). */
  readonly extraRoots: readonly string[];
}

export interface CertInput {
  /** base64 DER, leaf first. */
  readonly peerChain: readonly string[];
  readonly chainSource: 'node-rebuilt' | 'as-sent';
  /** The host the user configured, or the XMPP domain. */
  readonly referenceName: string;
  readonly service: 'mail' | 'xmpp';
  /** Stapled OCSP response, base64 DER. */
  readonly ocspResponse: string | null;
  readonly now: Date;
  readonly trust: TrustStores;
  /**
   * Optional history: this same server was seen before with a publicly trusted chain. A chain
   * now anchored only in the system store is then called interception even when its root's name
   * matches no known product (design.md).
   */
  readonly seenWithPublicChain?: boolean;
}

export type AnchorStore = 'public' | 'system' | 'extra';

export interface KeyInfo {
  /** Node's asymmetricKeyType: "rsa", "rsa-pss", "ec", "ed25519", "ed448", "dsa", or "unknown". */
  readonly algorithm: string;
  /** RSA/DSA modulus bits; EC field bits; 256 for Ed25519, 456 for Ed448. */
  readonly bits: number;
  /** EC named curve in OpenSSL's name (prime256v1, secp384r1, …), else null. */
  readonly curve: string | null;
}

/** One certificate, as parsed. Strings are raw server text: escape before showing. */
export interface CertInfo {
  readonly subject: string;
  readonly issuer: string;
  /** The subject's Common Name (first), or null. */
  readonly commonName: string | null;
  /** Serial number, upper-case hex as OpenSSL prints it (a negative one, not allowed, with "-"). */
  readonly serial: string;
  readonly notBefore: string;
  readonly notAfter: string;
  readonly dnsNames: readonly string[];
  readonly ipAddresses: readonly string[];
  /** id-on-xmppAddr values (RFC 6120). */
  readonly xmppAddrs: readonly string[];
  /** id-on-dnsSRV values (RFC 4985), e.g. "_xmpp-client.example.org". */
  readonly srvNames: readonly string[];
  readonly key: KeyInfo;
  /** Signature algorithm name (e.g. "sha256WithRSAEncryption") and its OID. */
  readonly signatureAlgorithm: string;
  readonly signatureOid: string;
  /** basicConstraints: null when absent. */
  readonly basicConstraints: { readonly ca: boolean; readonly pathLength: number | null } | null;
  /** Extended key usage OIDs; null when the extension is absent. */
  readonly extendedKeyUsage: readonly string[] | null;
  /** Authority / subject key identifiers, lower-case hex. */
  readonly authorityKeyId: string | null;
  readonly subjectKeyId: string | null;
  /** AIA caIssuers URLs (never fetched). */
  readonly caIssuersUrls: readonly string[];
  readonly ocspUrls: readonly string[];
  /** Subject equals issuer and the certificate verifies with its own key. */
  readonly selfSigned: boolean;
  /** Upper-case colon hex. */
  readonly sha256: string;
  readonly sha1: string;
}

export interface PathElement {
  readonly cert: CertInfo;
  /** Position in the presented chain, or null when it came from a trust store. */
  readonly presentedIndex: number | null;
  /** Set on the anchor only (the last element of an anchored path). */
  readonly store: AnchorStore | null;
}

export interface CertPath {
  /** Leaf first. */
  readonly elements: readonly PathElement[];
  /** Where the path ends in a trust store, or null when it does not. */
  readonly anchor: AnchorStore | null;
  /**
   * How an unanchored path ends: 'self-signed' (a self-signed certificate no store knows) or
   * 'issuer-not-found' (the top certificate's issuer is neither sent nor in any store).
   */
  readonly end: 'anchored' | 'self-signed' | 'issuer-not-found';
}

export interface IdentityResult {
  readonly referenceName: string;
  /** RFC 9525 / 7817 (and RFC 6120/7590 for XMPP): is the leaf valid for the reference name? */
  readonly matches: boolean;
  /** Which kind of identifier matched. */
  readonly matchedBy: 'dns-id' | 'ip-id' | 'xmpp-addr' | 'srv-id' | null;
  /** The names the leaf is valid for (DNS, IP, and for XMPP the XmppAddr / SRV-ID names). */
  readonly validFor: readonly string[];
  /** The Common Name, when it would match but RFC 9525 ignores it. */
  readonly commonNameOnly: string | null;
}

export type OcspResult =
  | { readonly status: 'not-stapled' }
  | { readonly status: 'invalid'; readonly reason: string }
  | {
      readonly status: 'good' | 'revoked' | 'unknown';
      readonly thisUpdate: string;
      readonly nextUpdate: string | null;
      readonly producedAt: string;
      readonly responder: 'issuer' | 'delegated';
      readonly revokedAt: string | null;
      readonly revocationReason: string | null;
    };

/**
 * Every problem found, independently. `cert` is an index into CertAnalysis.path.elements
 * (certificate concerned) unless said otherwise.
 */
export type CertProblem =
  | { readonly kind: 'expired'; readonly at: number; readonly daysAgo: number }
  | { readonly kind: 'not-yet-valid'; readonly at: number; readonly hoursAhead: number }
  | { readonly kind: 'clock-suspect'; readonly at: number; readonly skewSeconds: number }
  | { readonly kind: 'expiring-soon'; readonly at: number; readonly daysLeft: number }
  | { readonly kind: 'self-signed'; readonly at: number }
  | { readonly kind: 'untrusted-issuer'; readonly at: number; readonly topIssuer: string }
  | {
      readonly kind: 'missing-intermediate';
      readonly at: number;
      readonly missingIssuer: string;
      readonly caIssuersUrl: string | null;
    }
  | { readonly kind: 'name-mismatch' }
  | { readonly kind: 'weak-key'; readonly at: number }
  | { readonly kind: 'weak-signature'; readonly at: number }
  | { readonly kind: 'no-server-auth'; readonly at: number }
  | { readonly kind: 'leaf-is-ca'; readonly at: number }
  | {
      readonly kind: 'chain-order';
      readonly problem: 'extra' | 'duplicate' | 'misordered';
      /** Indices into CertAnalysis.presented. */
      readonly presented: readonly number[];
    }
  | { readonly kind: 'revoked'; readonly at: number }
  | { readonly kind: 'revocation-not-checked'; readonly reason: 'not-stapled' | 'staple-invalid' }
  | { readonly kind: 'private-authority'; readonly at: number }
  | {
      readonly kind: 'intercepted';
      readonly at: number;
      /** The known product whose authority this is (interception-products.ts), or null. */
      readonly product: InterceptionMatch | null;
    }
  | { readonly kind: 'unparsable'; readonly presentedIndex: number; readonly error: string };

export type CertProblemKind = CertProblem['kind'];

export interface CertAnalysis {
  readonly referenceName: string;
  readonly service: 'mail' | 'xmpp';
  readonly now: string;
  readonly chainSource: 'node-rebuilt' | 'as-sent';
  readonly publicRootsLabel: string;
  /** Whether the system store was known (null systemRoots = not known). */
  readonly systemStoreKnown: boolean;
  /**
   * Whether duplicates, extras and order can be seen at all: only in a chain as sent. Node's
   * rebuilt chain ('node-rebuilt') is already de-duplicated, ordered and stripped of extras, and
   * may hold certificates completed from the trust store.
   */
  readonly chainOrderObservable: boolean;
  /** Every certificate as presented, in order (null where it could not be parsed). */
  readonly presented: readonly (CertInfo | null)[];
  /** The best path found (public anchor > extra > system > unanchored), or null with no leaf. */
  readonly path: CertPath | null;
  /** How many candidate paths were examined. */
  readonly candidatePaths: number;
  /** null when there is no parsable leaf. */
  readonly identity: IdentityResult | null;
  readonly ocsp: OcspResult;
  readonly problems: readonly CertProblem[];
}
