/**
 * TLS facts from a finished node:tls handshake: version, cipher suite, key exchange, ALPN,
 * session reuse, the peer chain as DER, a stapled OCSP response, and the verification result
 * (chain trust from OpenSSL, the name check from identity.ts under RFC 9525). No judgement here.
 */
import type { DetailedPeerCertificate, PeerCertificate, TLSSocket } from 'node:tls';
import type { TlsFacts } from '../facts/endpoint';
import { matchesReferenceIdentity, namesFromSubjectAltName } from './identity';

/** More certificates than any sane chain; a guard against loops in Node's rebuilt chain. */
export const MAX_CHAIN_CERTS = 16;

export interface HandshakeContext {
  /** The server name sent in SNI, or null. */
  readonly sniSent: string | null;
  /** The reference identity to check (host name, XMPP domain, or an IP literal), or null. */
  readonly nameChecked: string | null;
  readonly requestedOcsp: boolean;
  /** The stapled response from the 'OCSPResponse' event, when one came. */
  readonly ocspResponse: Buffer | null;
  readonly handshakeMs: number;
}

function isEmptyCert(cert: PeerCertificate | undefined | null): boolean {
  return !cert || typeof cert !== 'object' || Object.keys(cert).length === 0 || !cert.raw;
}

/**
 * The peer chain as Node rebuilt it (leaf first), DER in base64. Walks issuerCertificate until it
 * points back to itself (a root), repeats an already seen certificate, or passes MAX_CHAIN_CERTS.
 */
export function peerChainFrom(socket: TLSSocket): string[] {
  const leaf = socket.getPeerCertificate(true) as DetailedPeerCertificate | undefined;
  if (leaf === undefined || isEmptyCert(leaf)) return [];
  const chain: string[] = [];
  const seenObjects = new Set<object>();
  const seenDer = new Set<string>();
  let cert: DetailedPeerCertificate | undefined = leaf;
  while (cert && !isEmptyCert(cert) && chain.length < MAX_CHAIN_CERTS) {
    if (seenObjects.has(cert)) break;
    seenObjects.add(cert);
    const der = cert.raw.toString('base64');
    if (seenDer.has(der)) break;
    seenDer.add(der);
    chain.push(der);
    const next: DetailedPeerCertificate | undefined = cert.issuerCertificate;
    if (next === cert) break;
    cert = next;
  }
  return chain;
}

function authorizationCode(socket: TLSSocket): string | null {
  if (socket.authorized) return null;
  const e: unknown = socket.authorizationError;
  if (e === undefined || e === null) return null;
  if (typeof e === 'string') return e;
  if (typeof e === 'object') {
    const o = e as { code?: unknown; message?: unknown };
    if (typeof o.code === 'string') return o.code;
    if (typeof o.message === 'string') return o.message;
  }
  return String(e);
}

function keyExchangeFrom(socket: TLSSocket): TlsFacts['keyExchange'] {
  const info = socket.getEphemeralKeyInfo() as
    { type?: unknown; name?: unknown; size?: unknown } | null | undefined;
  if (!info || typeof info.type !== 'string' || info.type === '') return null;
  return {
    type: info.type,
    name: typeof info.name === 'string' && info.name !== '' ? info.name : null,
    size: typeof info.size === 'number' ? info.size : null,
  };
}

/** Builds TlsFacts from a socket that emitted 'secureConnect'. */
export function tlsFactsFrom(socket: TLSSocket, context: HandshakeContext): TlsFacts {
  const cipher = socket.getCipher() as { name?: string; standardName?: string } | undefined;
  const leaf = socket.getPeerCertificate(false) as PeerCertificate | undefined;
  const names = namesFromSubjectAltName(isEmptyCert(leaf) ? undefined : leaf?.subjectaltname);
  const nameMatches =
    context.nameChecked !== null && matchesReferenceIdentity(context.nameChecked, names);
  const alpn = socket.alpnProtocol;
  return {
    version: socket.getProtocol() ?? 'unknown',
    cipher: { name: cipher?.name ?? 'unknown', standardName: cipher?.standardName ?? 'unknown' },
    keyExchange: keyExchangeFrom(socket),
    alpn: typeof alpn === 'string' && alpn !== '' ? alpn : null,
    sniSent: context.sniSent,
    resumed: socket.isSessionReused(),
    peerChain: peerChainFrom(socket),
    chainSource: 'node-rebuilt',
    ocsp: {
      requested: context.requestedOcsp,
      response: context.ocspResponse ? context.ocspResponse.toString('base64') : null,
    },
    verification: {
      chainTrusted: socket.authorized,
      chainError: authorizationCode(socket),
      nameChecked: context.nameChecked,
      nameMatches,
    },
    handshakeMs: Math.round(context.handshakeMs * 10) / 10,
  };
}
