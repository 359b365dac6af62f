/**
 * Facts: what a probe saw, with no judgement in it. One JSON-serialisable record per endpoint,
 * versioned, so saved facts can be judged again by a newer Sealcheck (findings are computed from
 * facts by pure rules elsewhere). Unknown is explicit: `'unknown'` or null, never a guess.
 */
import type { ProbeErrorFact, Step } from '../net/errors';
import type { TranscriptEntry } from '../net/types';
import type { ScanFacts } from './scan';

export type { ScanFacts } from './scan';

export const FACTS_SCHEMA = 'sealcheck.endpoint-facts/1' as const;

export type Protocol = 'imap' | 'pop3' | 'smtp' | 'submission' | 'xmpp';
/** How the connection is secured: TLS from the first byte, upgraded in the dialog, or never. */
export type Security = 'implicit' | 'starttls' | 'none';
export type Tristate = boolean | 'unknown';

/** What was asked for. */
export interface EndpointTarget {
  /** The name the user configured; SNI and the certificate check use it. */
  readonly host: string;
  readonly port: number;
  readonly protocol: Protocol;
  readonly security: Security;
  /** XMPP: the domain of the address (the stream's `to`, the certificate's reference identity). */
  readonly xmppDomain?: string;
  /** When set, connections went here instead of resolving `host` (like curl's --connect-to). */
  readonly connectTo?: { readonly host: string; readonly port: number };
}

/**
 * Coarse outcome, kept apart from the detailed error (zgrab2 style). 'success' means every
 * step of the dialog completed; anything else carries `error` and whatever was seen before it.
 */
export type ProbeStatus =
  | 'success'
  | 'dns-error'
  | 'connection-refused'
  | 'connection-timeout'
  | 'connection-error'
  | 'protocol-error'
  | 'starttls-refused'
  | 'tls-error'
  | 'io-timeout'
  | 'limit-exceeded'
  | 'cancelled';

export interface Greeting {
  /** Every line of the greeting (escaped, truncated), e.g. SMTP's multi-line 220. */
  readonly lines: readonly string[];
  /**
   * ok: the server is ready; preauth: IMAP PREAUTH (already logged in: no STARTTLS possible);
   * reject: the server refused service (IMAP BYE, SMTP 554, POP3 -ERR); other: unexpected.
   */
  readonly kind: 'ok' | 'preauth' | 'reject' | 'other';
  /** SMTP: the reply code; XMPP: none. */
  readonly code?: number;
  /**
   * The time the server stated in its greeting (Exim, Sendmail, Exchange write one), and when
   * this computer received it, both by this computer's clock (protocols/server-time.ts).
   */
  readonly serverTime?: {
    /** The date text as the server wrote it (escaped). */
    readonly said: string;
    /** The instant it names (ISO 8601). */
    readonly at: string;
    /** This computer's clock when the greeting arrived (ISO 8601). */
    readonly receivedAt: string;
  };
}

/** Capabilities as advertised at one moment (before or after TLS). */
export interface Capabilities {
  /** The raw capability tokens or lines, as sent (escaped, truncated). */
  readonly raw: readonly string[];
  /** Was the command to list capabilities understood? ('unknown' when it was never asked). */
  readonly listed: Tristate;
  readonly starttls: Tristate;
  /** STARTTLS is advertised as required (XMPP `<required/>`); 'unknown' where the protocol cannot say. */
  readonly starttlsRequired: Tristate;
  /** SASL mechanisms (IMAP AUTH=, POP3 SASL, SMTP AUTH, XMPP mechanisms), upper-case. */
  readonly saslMechanisms: readonly string[];
  /**
   * A plain password login command is available: IMAP LOGIN (not LOGINDISABLED),
   * POP3 USER, SMTP AUTH PLAIN/LOGIN, XMPP PLAIN. 'unknown' when nothing says.
   */
  readonly passwordLogin: Tristate;
  /** Protocol-specific extras kept as facts (SMTP SIZE, PIPELINING, 8BITMIME; IMAP IDLE; …). */
  readonly extensions: Readonly<Record<string, string | true>>;
}

export interface StartTlsFacts {
  /** Whether we sent the STARTTLS command (not when not offered, or a PREAUTH greeting). */
  readonly attempted: boolean;
  /** The server's reply lines to STARTTLS. */
  readonly reply: readonly string[];
  /** accepted: go-ahead; refused: an error reply; unavailable: "try later" (SMTP 454); */
  readonly outcome: 'accepted' | 'refused' | 'temporarily-unavailable' | 'not-attempted';
  /** Bytes the server sent in plaintext after its go-ahead (escaped preview and count). */
  readonly plaintextAfterGoAhead: { readonly bytes: number; readonly preview: string } | null;
}

/** Would the server take a password before TLS? Probed without ever sending one. */
export interface LoginBeforeTlsFacts {
  /** The command we started, e.g. "AUTHENTICATE PLAIN", "AUTH PLAIN". */
  readonly command: string;
  /** True when the server invited credentials (IMAP "+", SMTP 334, POP3 "+"); then we cancelled. */
  readonly invited: Tristate;
  readonly reply: readonly string[];
}

export interface InjectionFacts {
  /** The probe sent STARTTLS and a harmless second command in one TCP segment. */
  readonly tested: boolean;
  /** The second command, e.g. "NOOP". */
  readonly command: string;
  /**
   * true: the server answered the second command inside TLS, so it executed plaintext an attacker
   * could have injected (NO STARTTLS, USENIX Security 2021); false: it did not answer within the
   * wait; 'unknown': the test could not complete.
   */
  readonly vulnerable: Tristate;
  /** What arrived inside TLS without being asked, or in plaintext after the go-ahead. */
  readonly evidence: readonly string[];
  readonly error?: ProbeErrorFact;
}

export interface TlsFacts {
  readonly version: string;
  readonly cipher: { readonly name: string; readonly standardName: string };
  /** The key exchange: type ECDH/DH, group name and size, from the ephemeral key; null when not reported. */
  readonly keyExchange: {
    readonly type: string;
    readonly name: string | null;
    readonly size: number | null;
  } | null;
  readonly alpn: string | null;
  /** The server name sent in SNI, or null. */
  readonly sniSent: string | null;
  /**
   * The handshake resumed a session of an earlier full handshake in this run (net/tls-sessions.ts):
   * the certificate facts below are that handshake's, not read off this socket.
   */
  readonly resumed: boolean;
  /** DER, base64, leaf first. */
  readonly peerChain: readonly string[];
  /**
   * Where peerChain comes from. 'node-rebuilt': Node's getPeerCertificate(true), which rebuilds the
   * chain and may add a root from the trust store: it is not the server's Certificate message.
   */
  readonly chainSource: 'node-rebuilt' | 'as-sent';
  /** The stapled OCSP response (DER, base64) when requested and sent. */
  readonly ocsp: { readonly requested: boolean; readonly response: string | null };
  readonly verification: {
    /** The chain leads to a trusted root (Node's public roots plus extra CAs). */
    readonly chainTrusted: boolean;
    /** Node's verification error code (e.g. CERT_HAS_EXPIRED), or null. */
    readonly chainError: string | null;
    /** The reference identity checked (host name, or XMPP domain), or null when none applies. */
    readonly nameChecked: string | null;
    /** The certificate is valid for nameChecked under RFC 9525 (DNS-ID only, no CN fallback). */
    readonly nameMatches: boolean;
  };
  readonly handshakeMs: number;
}

/** Everything seen on one address of the endpoint. */
export interface AddressFacts {
  readonly address: string;
  readonly family: 4 | 6;
  readonly status: ProbeStatus;
  readonly error: ProbeErrorFact | null;
  readonly greeting: Greeting | null;
  readonly capabilitiesBeforeTls: Capabilities | null;
  readonly starttls: StartTlsFacts | null;
  readonly tls: TlsFacts | null;
  readonly capabilitiesAfterTls: Capabilities | null;
  readonly loginBeforeTls: LoginBeforeTlsFacts | null;
  readonly injection: InjectionFacts | null;
  /**
   * The TLS scanner's answers (versions and suites the server accepts, the chain as sent), on
   * connections of its own; null when the scan was off or the address could not be reached.
   */
  readonly scan: ScanFacts | null;
  /**
   * When the certificate is trusted but for other names: which of those names resolve to this
   * same address (probe/same-server.ts), so the app can be pointed at one of them.
   */
  readonly sameServerNames?: readonly {
    readonly name: string;
    readonly sameAddress: boolean | 'unknown';
  }[];
  /** Milliseconds from the address's connect start to the end of each step reached. */
  readonly timings: Partial<Record<Step, number>>;
  /** TCP connections this address's probe opened (the dialog, the login probe, the injection test). */
  readonly connections: number;
  readonly transcript: readonly TranscriptEntry[];
}

export interface EndpointFacts {
  readonly schema: typeof FACTS_SCHEMA;
  readonly target: EndpointTarget;
  readonly startedAt: string;
  readonly durationMs: number;
  /** The addresses the host resolved to (or the connect-to address), in the order probed. */
  readonly resolved: readonly string[];
  /** Set when resolution itself failed. */
  readonly resolveError: ProbeErrorFact | null;
  readonly addresses: readonly AddressFacts[];
  readonly sealcheckVersion: string;
}
