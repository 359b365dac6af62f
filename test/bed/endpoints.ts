/**
 * The test bed's published description: written once per `npm test` by the bed
 * (test/bed/index.ts) to the JSON file named by SEALCHECK_BED, read by every suite.
 */
import { readFileSync } from 'node:fs';
import type { EndpointTarget } from '../../app/core/facts/endpoint';
import type { LookupFunction } from '../../app/core/net/resolve';

/** Certificate cases of the test PKI (test/bed/pki.ts). */
export type CertCase =
  | 'good' // root → intermediate → leaf for mail.test.example, served with its intermediate
  | 'expired'
  | 'not-yet-valid'
  | 'self-signed'
  | 'wrong-host' // valid chain, but for other.test.example only
  | 'rsa1024'
  | 'sha1'
  | 'no-intermediate'; // good leaf, served without its intermediate

export type Protocol = 'imap' | 'pop3' | 'smtp' | 'submission' | 'xmpp';
export type Security = 'implicit' | 'starttls' | 'none';

export interface BedEndpoint {
  /** Unique, readable id, e.g. "dovecot-imap-starttls-good". */
  readonly id: string;
  readonly server: 'dovecot' | 'postfix' | 'prosody';
  readonly protocol: Protocol;
  /** How the connection is secured: TLS from the first byte, upgraded in the dialog, or never. */
  readonly security: Security;
  /** For STARTTLS endpoints: must a client upgrade before it may log in? */
  readonly starttls: 'required' | 'optional' | 'not-offered';
  readonly host: string; // always a loopback address
  readonly port: number;
  /** The name a client configures; certificates are issued for it. Reach it via host:port. */
  readonly serverName: string;
  /** For XMPP: the domain of the account (the stream's `to`). */
  readonly xmppDomain?: string;
  readonly certCase: CertCase | null;
  /** Extra facts a test may rely on, e.g. { maxTls: "TLSv1.1" }. */
  readonly notes?: Readonly<Record<string, string>>;
}

export interface BedDescription {
  readonly startedAt: string;
  /** PEM file of the test root CA; the only trust anchor tests add. */
  readonly rootCaFile: string;
  /** PEM file of the intermediate CA, for tests that need to complete a chain. */
  readonly intermediateCaFile: string;
  /** A user that can log in on Dovecot (IMAP/POP3), Postfix submission (SASL via Dovecot) and Prosody. */
  readonly user: { readonly name: string; readonly password: string; readonly xmppAddress: string };
  readonly endpoints: readonly BedEndpoint[];
}

export const BED_ENV = 'SEALCHECK_BED';

/** Reads the bed description; throws a clear error when the bed is not running. */
export function loadBed(file = process.env[BED_ENV]): BedDescription {
  if (!file) {
    throw new Error(
      `${BED_ENV} is not set: run the tests through "npm test" (or vitest, whose global setup starts the bed).`,
    );
  }
  return JSON.parse(readFileSync(file, 'utf8')) as BedDescription;
}

export function findEndpoint(bed: BedDescription, id: string): BedEndpoint {
  const ep = bed.endpoints.find((e) => e.id === id);
  if (!ep)
    throw new Error(
      `bed has no endpoint "${id}"; it has: ${bed.endpoints.map((e) => e.id).join(', ')}`,
    );
  return ep;
}

/** What a client configured for this endpoint asks for: the real name, port, protocol and mode. */
export function targetOf(e: BedEndpoint): EndpointTarget {
  return {
    host: e.serverName,
    port: e.port,
    protocol: e.protocol,
    security: e.security,
    ...(e.xmppDomain !== undefined ? { xmppDomain: e.xmppDomain } : {}),
  };
}

/** The bed's names, each on 127.0.0.1; any other name does not resolve (ENOTFOUND). */
export const BED_NAMES: readonly string[] = [
  'mail.test.example',
  'test.example',
  'other.test.example',
];

/** Name resolution for probes of the bed: keeps the real names for SNI and the certificate checks. */
export const bedLookup: LookupFunction = (hostname, _options, callback) => {
  if (!BED_NAMES.includes(hostname.toLowerCase())) {
    callback(
      Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' }),
      [],
    );
    return;
  }
  callback(null, [{ address: '127.0.0.1', family: 4 }]);
};
