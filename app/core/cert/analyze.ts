/**
 * analyzeChain: every candidate path from the leaf to an anchor, the best one chosen, and every
 * check run independently on it (dates, name, key, signature, EKU, basicConstraints, path end,
 * chain order, OCSP staple, private authority / interception). Pure and synchronous: no network,
 * the AIA caIssuers URL is recorded, never fetched.
 */
import { isIP } from 'node:net';
import { matchesDnsId, matchesReferenceIdentity, normaliseReferenceName } from '../tls/identity';
import { interceptionProduct, nameAttributes } from './interception';
import { checkOcspStaple } from './ocsp';
import {
  EKU_ANY,
  EKU_SERVER_AUTH,
  isWeakKey,
  isWeakSignature,
  issues,
  parseCertificate,
  type ParsedCert,
} from './parse';
import { anchorIndex, preferredStore, type AnchorIndex } from './trust';
import type {
  AnchorStore,
  CertAnalysis,
  CertInfo,
  CertInput,
  CertPath,
  CertProblem,
  IdentityResult,
  OcspResult,
} from './types';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** A certificate not yet valid by less than this: the computer's clock is the likely cause. */
export const CLOCK_SUSPECT_MS = 48 * HOUR;
export const EXPIRING_SOON_MS = 14 * DAY;
const MAX_PATHS = 32;
const MAX_DEPTH = 10;
/** Sent certificates considered as issuers (a hostile server may send hundreds). */
const MAX_PRESENTED_ISSUERS = 20;

interface Node {
  readonly cert: ParsedCert;
  readonly presentedIndex: number | null;
}

interface RawPath {
  readonly nodes: readonly Node[];
  readonly anchor: AnchorStore | null;
  readonly end: CertPath['end'];
}

function isCa(c: ParsedCert, fromStore: boolean): boolean {
  const bc = c.info.basicConstraints;
  // A v1 root without basicConstraints is accepted only as a trust anchor.
  return bc === null ? fromStore : bc.ca;
}

/** Depth-first over every issuer candidate among the sent certificates and every store. */
function enumeratePaths(
  leaf: Node,
  presented: readonly (ParsedCert | null)[],
  index: AnchorIndex,
): RawPath[] {
  const out: RawPath[] = [];
  // Each (issuer, child) pair is verified once per analysis.
  const verified = new Map<string, boolean>();
  const linked = (issuer: ParsedCert, child: ParsedCert): boolean => {
    const key = `${issuer.info.sha256}>${child.info.sha256}`;
    let v = verified.get(key);
    if (v === undefined) {
      v = issues(issuer, child);
      verified.set(key, v);
    }
    return v;
  };
  const walk = (path: Node[]): void => {
    if (out.length >= MAX_PATHS) return;
    const top = path[path.length - 1] as Node;
    const anchor = index.byFingerprint.get(top.cert.info.sha256);
    if (anchor) {
      out.push({ nodes: path, anchor: preferredStore(anchor.stores), end: 'anchored' });
      return;
    }
    if (top.cert.info.selfSigned) {
      out.push({ nodes: path, anchor: null, end: 'self-signed' });
      return;
    }
    const inPath = new Set(path.map((n) => n.cert.info.sha256));
    const candidates = new Map<string, Node>();
    if (path.length < MAX_DEPTH) {
      presented.slice(0, MAX_PRESENTED_ISSUERS).forEach((c, i) => {
        if (!c || inPath.has(c.info.sha256) || candidates.has(c.info.sha256)) return;
        const fromStore = index.byFingerprint.has(c.info.sha256);
        if (isCa(c, fromStore) && linked(c, top.cert))
          candidates.set(c.info.sha256, { cert: c, presentedIndex: i });
      });
      for (const a of index.bySubject.get(top.cert.issuerKey) ?? []) {
        const fp = a.fingerprint;
        if (inPath.has(fp) || candidates.has(fp)) continue;
        let cert: ParsedCert;
        try {
          cert = a.cert; // parsed on first use; an anchor we cannot read links nothing
        } catch {
          continue;
        }
        if (isCa(cert, true) && linked(cert, top.cert))
          candidates.set(fp, { cert, presentedIndex: null });
      }
    }
    if (candidates.size === 0) {
      out.push({ nodes: path, anchor: null, end: 'issuer-not-found' });
      return;
    }
    for (const c of candidates.values()) walk([...path, c]);
  };
  walk([leaf]);
  return out;
}

const ANCHOR_RANK: Readonly<Record<AnchorStore, number>> = { public: 0, extra: 1, system: 2 };

function dateProblems(c: CertInfo, now: number): number {
  return Date.parse(c.notAfter) < now || Date.parse(c.notBefore) > now ? 1 : 0;
}

function lexicographicLess(a: readonly number[], b: readonly number[]): boolean {
  for (let i = 0; i < a.length; i++) {
    const x = a[i] ?? 0;
    const y = b[i] ?? 0;
    if (x !== y) return x < y;
  }
  return false;
}

/** Best path: anchored (public, then extra, then system) over unanchored, then fewest bad dates / weak signatures, then shortest. */
function choosePath(paths: readonly RawPath[], now: number): RawPath | null {
  let best: RawPath | null = null;
  let bestScore: number[] = [];
  for (const p of paths) {
    const bad = p.nodes.reduce(
      (n, node, i) =>
        n +
        dateProblems(node.cert.info, now) +
        (p.anchor !== null && i === p.nodes.length - 1
          ? 0
          : isWeakSignature(node.cert.info.signatureOid)
            ? 1
            : 0),
      0,
    );
    const score = [p.anchor === null ? 3 : ANCHOR_RANK[p.anchor], bad, p.nodes.length];
    const better = best === null || lexicographicLess(score, bestScore);
    if (better) {
      best = p;
      bestScore = score;
    }
  }
  return best;
}

function sameName(a: string, b: string): boolean {
  const na = normaliseReferenceName(a);
  return na !== null && na === normaliseReferenceName(b);
}

/** RFC 9525 / 7817 for mail; for XMPP (RFC 6120, 7590) also XmppAddr and SRV-ID (_xmpp-client). */
export function checkIdentity(
  leaf: CertInfo,
  referenceName: string,
  service: 'mail' | 'xmpp',
): IdentityResult {
  const names = { dnsNames: leaf.dnsNames, ipAddresses: leaf.ipAddresses };
  const isIpRef = isIP(referenceName.replace(/^\[|\]$/g, '')) !== 0;
  let matchedBy: IdentityResult['matchedBy'] = null;
  if (matchesReferenceIdentity(referenceName, names)) matchedBy = isIpRef ? 'ip-id' : 'dns-id';
  else if (service === 'xmpp' && !isIpRef) {
    if (leaf.xmppAddrs.some((x) => sameName(x, referenceName))) matchedBy = 'xmpp-addr';
    else if (
      leaf.srvNames.some((s) => {
        const dot = s.indexOf('.');
        return (
          dot > 0 &&
          s.slice(0, dot).toLowerCase() === '_xmpp-client' &&
          sameName(s.slice(dot + 1), referenceName)
        );
      })
    )
      matchedBy = 'srv-id';
  }
  const validFor = [
    ...leaf.dnsNames,
    ...leaf.ipAddresses,
    ...(service === 'xmpp' ? [...leaf.xmppAddrs, ...leaf.srvNames] : []),
  ];
  const cn = leaf.commonName;
  const commonNameOnly =
    matchedBy === null && cn !== null && matchesDnsId(referenceName, { dnsNames: [cn] })
      ? cn
      : null;
  return { referenceName, matches: matchedBy !== null, matchedBy, validFor, commonNameOnly };
}

function parseAll(chain: readonly string[]): {
  parsed: (ParsedCert | null)[];
  errors: CertProblem[];
} {
  const errors: CertProblem[] = [];
  const parsed = chain.map((b64, i) => {
    try {
      return parseCertificate(Buffer.from(b64, 'base64'));
    } catch (err) {
      errors.push({
        kind: 'unparsable',
        presentedIndex: i,
        error: err instanceof Error ? err.message : String(err),
      });
      return null;
    }
  });
  return { parsed, errors };
}

function chainOrderProblems(
  parsed: readonly (ParsedCert | null)[],
  path: RawPath | null,
): CertProblem[] {
  const problems: CertProblem[] = [];
  const firstIndex = new Map<string, number>();
  const duplicates: number[] = [];
  parsed.forEach((c, i) => {
    if (!c) return;
    if (firstIndex.has(c.info.sha256)) duplicates.push(i);
    else firstIndex.set(c.info.sha256, i);
  });
  if (duplicates.length > 0)
    problems.push({ kind: 'chain-order', problem: 'duplicate', presented: duplicates });
  if (!path) return problems;
  const onPath = new Set(path.nodes.map((n) => n.cert.info.sha256));
  const extra: number[] = [];
  parsed.forEach((c, i) => {
    if (c && !onPath.has(c.info.sha256) && !duplicates.includes(i)) extra.push(i);
  });
  if (extra.length > 0) problems.push({ kind: 'chain-order', problem: 'extra', presented: extra });
  const order = path.nodes.map((n) => n.presentedIndex).filter((i): i is number => i !== null);
  if (order.some((v, i) => i > 0 && v < (order[i - 1] ?? 0)))
    problems.push({ kind: 'chain-order', problem: 'misordered', presented: order });
  return problems;
}

/** Analyses the peer chain against the trust stores: every problem at once. */
export function analyzeChain(input: CertInput): CertAnalysis {
  const now = input.now.getTime();
  const index = anchorIndex(input.trust);
  const { parsed, errors } = parseAll(input.peerChain);
  const problems: CertProblem[] = [...errors];
  const leafParsed = parsed[0] ?? null;
  const base = {
    referenceName: input.referenceName,
    service: input.service,
    now: input.now.toISOString(),
    chainSource: input.chainSource,
    publicRootsLabel: input.trust.publicRootsLabel,
    systemStoreKnown: input.trust.systemRoots !== null,
    presented: parsed.map((p) => p?.info ?? null),
    chainOrderObservable: input.chainSource === 'as-sent',
  };
  if (!leafParsed) {
    return {
      ...base,
      path: null,
      candidatePaths: 0,
      identity: null,
      ocsp: { status: 'not-stapled' },
      problems,
    };
  }

  const paths = enumeratePaths({ cert: leafParsed, presentedIndex: 0 }, parsed, index);
  const best = choosePath(paths, now) as RawPath; // the walk always yields at least one path
  const anchorAt = best.anchor !== null ? best.nodes.length - 1 : -1;
  const path: CertPath = {
    elements: best.nodes.map((n, i) => ({
      cert: n.cert.info,
      presentedIndex: n.presentedIndex,
      store: i === anchorAt ? best.anchor : null,
    })),
    anchor: best.anchor,
    end: best.end,
  };

  // ── dates of every certificate, the anchor's too (OpenSSL and NSS check a root's validity);
  //    keys and signatures of every certificate but the anchor (trusted as such) ──
  const notYetValid: { at: number; ahead: number }[] = [];
  best.nodes.forEach((n, at) => {
    const c = n.cert.info;
    const notAfter = Date.parse(c.notAfter);
    const notBefore = Date.parse(c.notBefore);
    if (notAfter < now)
      problems.push({ kind: 'expired', at, daysAgo: Math.floor((now - notAfter) / DAY) });
    else if (notAfter - now < EXPIRING_SOON_MS)
      problems.push({ kind: 'expiring-soon', at, daysLeft: Math.floor((notAfter - now) / DAY) });
    if (notBefore > now) notYetValid.push({ at, ahead: notBefore - now });
    if (at === anchorAt) return;
    if (isWeakKey(c.key)) problems.push({ kind: 'weak-key', at });
    // A self-signature proves nothing either way: never judged (roots, self-signed leaves).
    if (!c.selfSigned && isWeakSignature(c.signatureOid))
      problems.push({ kind: 'weak-signature', at });
  });
  if (notYetValid.length > 0) {
    const everyCertFuture =
      best.nodes.length >= 2 && best.nodes.every((n) => Date.parse(n.cert.info.notBefore) > now);
    const worst = notYetValid.reduce((a, b) => (b.ahead > a.ahead ? b : a));
    if (notYetValid.every((v) => v.ahead < CLOCK_SUSPECT_MS) || everyCertFuture) {
      problems.push({
        kind: 'clock-suspect',
        at: worst.at,
        skewSeconds: -Math.ceil(worst.ahead / 1000),
      });
    } else {
      for (const v of notYetValid)
        problems.push({
          kind: 'not-yet-valid',
          at: v.at,
          hoursAhead: Math.round((v.ahead / HOUR) * 10) / 10,
        });
    }
  }

  // ── the leaf's purpose ──
  const leaf = leafParsed.info;
  if (anchorAt !== 0) {
    const eku = leaf.extendedKeyUsage;
    if (eku !== null && !eku.includes(EKU_SERVER_AUTH) && !eku.includes(EKU_ANY))
      problems.push({ kind: 'no-server-auth', at: 0 });
    if (leaf.basicConstraints?.ca === true && !leaf.selfSigned)
      problems.push({ kind: 'leaf-is-ca', at: 0 });
  }

  // Intermediates constrain the purpose too: NSS, Apple and Windows refuse a path for a server
  // when an intermediate's EKU (when present) lacks serverAuth and anyExtendedKeyUsage.
  best.nodes.forEach((n, at) => {
    if (at === 0 || at === anchorAt) return;
    const eku = n.cert.info.extendedKeyUsage;
    if (eku !== null && !eku.includes(EKU_SERVER_AUTH) && !eku.includes(EKU_ANY))
      problems.push({ kind: 'no-server-auth', at });
  });

  // ── where the path ends ──
  const topAt = best.nodes.length - 1;
  const top = (best.nodes[topAt] as Node).cert.info;
  if (best.end === 'self-signed') {
    if (topAt === 0) problems.push({ kind: 'self-signed', at: 0 });
    else problems.push({ kind: 'untrusted-issuer', at: topAt, topIssuer: top.subject });
  } else if (best.end === 'issuer-not-found') {
    problems.push({
      kind: 'missing-intermediate',
      at: topAt,
      missingIssuer: top.issuer,
      caIssuersUrl: top.caIssuersUrls[0] ?? null,
    });
  } else if (best.anchor === 'system') {
    const product = interceptionProduct({
      root: nameAttributes((best.nodes[topAt] as Node).cert.asn.tbsCertificate.subject),
      issuer:
        topAt === 0
          ? null
          : nameAttributes((best.nodes[1] as Node).cert.asn.tbsCertificate.subject),
    });
    problems.push(
      product !== null || input.seenWithPublicChain === true
        ? { kind: 'intercepted', at: topAt, product }
        : { kind: 'private-authority', at: topAt },
    );
  }

  // ── name ──
  const identity = checkIdentity(leaf, input.referenceName, input.service);
  if (!identity.matches) problems.push({ kind: 'name-mismatch' });

  // ── chain as presented ──
  problems.push(...chainOrderProblems(parsed, best));

  // ── revocation (stapled OCSP only) ──
  const issuer = anchorAt === 0 ? null : (best.nodes[1]?.cert ?? null);
  const ocsp: OcspResult = checkOcspStaple(input.ocspResponse, leafParsed, issuer, input.now);
  if (ocsp.status === 'revoked') problems.push({ kind: 'revoked', at: 0 });
  else if (ocsp.status === 'not-stapled')
    problems.push({ kind: 'revocation-not-checked', reason: 'not-stapled' });
  else if (ocsp.status !== 'good')
    problems.push({ kind: 'revocation-not-checked', reason: 'staple-invalid' });

  return { ...base, path, candidatePaths: paths.length, identity, ocsp, problems };
}
