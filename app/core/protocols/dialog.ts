/**
 * One small interface for every protocol dialog (IMAP, POP3, SMTP/submission, XMPP).
 * A dialog only speaks its protocol over a Connection and reports what it saw; it never judges.
 * Framing (reading a whole reply) stays inside the dialog file, the socket work inside the
 * Connection, and the order of steps inside the probe (app/core/probe).
 *
 * A session is made per connection, because some dialogs keep state (IMAP tags, XMPP's stream).
 */
import type { Capabilities, Greeting, LoginBeforeTlsFacts, Protocol } from '../facts/endpoint';
import type { Connection } from '../net/types';

export interface DialogContext {
  /** The host name the user configured (SMTP never uses it in EHLO: see localAddress). */
  readonly serverName: string;
  /** XMPP: the domain of the account; the stream's `to`. */
  readonly xmppDomain?: string;
  /** Our side's IP address, for SMTP's EHLO address literal ("[192.0.2.1]", "[IPv6:…]"). */
  readonly localAddress: string;
}

export interface StartTlsReply {
  readonly outcome: 'accepted' | 'refused' | 'temporarily-unavailable';
  readonly reply: readonly string[];
}

export interface LoginResult {
  readonly ok: boolean;
  /** The server's reply lines (never containing what we sent). */
  readonly reply: readonly string[];
}

/**
 * What the server answered first inside TLS, after the injection test's fence: the injected
 * command (it executed plaintext pipelined behind STARTTLS: vulnerable) or the fence itself.
 */
export interface InjectionFenceResult {
  readonly first: 'injected-answer' | 'fence';
  /** The reply lines read inside TLS, in order, escaped and bounded (facts). */
  readonly lines: readonly string[];
}

/**
 * A command sent inside TLS after the injection test's handshake, whose reply can be told apart
 * from the injected command's. Replies come in order, so whichever arrives first settles the
 * question without a timed wait; the read is bounded by the step's deadline.
 */
export interface InjectionFence {
  /** The command's bytes, with its line ending. */
  readonly data: string;
  /** Its name for the transcript and the evidence, e.g. "HELP". */
  readonly name: string;
  /** Reads replies until it can tell which came first (framing stays in the dialog). */
  read(): Promise<InjectionFenceResult>;
}

export interface DialogSession {
  /** Reads the whole greeting (SMTP: until the final "220 " line; XMPP: opens the stream). */
  greet(): Promise<Greeting>;
  /**
   * Lists capabilities: IMAP CAPABILITY, POP3 CAPA, SMTP EHLO (HELO if refused), XMPP stream
   * features (after TLS, XMPP first re-opens the stream). Call again after TLS.
   */
  capabilities(phase: 'before-tls' | 'after-tls'): Promise<Capabilities>;
  /** The bytes of the STARTTLS command (with its line ending), e.g. "A2 STARTTLS\r\n". */
  startTlsCommand(): string;
  /** Reads the reply to a STARTTLS command that was already sent (maybe pipelined). */
  readStartTlsReply(): Promise<StartTlsReply>;
  /** Sends STARTTLS and reads the reply. The probe then calls connection.startTls(). */
  requestStartTls(): Promise<StartTlsReply>;
  /**
   * A harmless command to pipeline after STARTTLS in the injection test (NOOP, CAPA, …),
   * with its line ending. Any answer that arrives inside TLS, unasked, is evidence.
   */
  injectionCommand(): { readonly data: string; readonly name: string };
  /**
   * Optional: the fence for the injection test, called after injectionCommand() and the upgrade;
   * null (or no method) when the dialog has none, and the test waits a while for unsolicited data.
   */
  injectionFence?(): InjectionFence | null;
  /**
   * Before TLS: would the server accept a password? Starts a password mechanism without any
   * secret (IMAP AUTHENTICATE PLAIN, POP3 AUTH PLAIN, SMTP AUTH PLAIN, XMPP <auth/>), records
   * whether it is invited, then cancels. Returns null when the protocol offers nothing to try.
   */
  probeLoginBeforeTls(before: Capabilities): Promise<LoginBeforeTlsFacts | null>;
  /**
   * Logs in with a password; only over TLS with a verified identity (Connection.writeSecret
   * refuses otherwise). The transcript shows the command with the secret removed.
   */
  login(credentials: { readonly user: string; readonly password: string }): Promise<LoginResult>;
  /**
   * The mechanism login() will use with what the server listed inside TLS, e.g. "LOGIN",
   * "AUTHENTICATE PLAIN", "AUTH PLAIN", "USER/PASS", "SASL PLAIN" (reported by the login check).
   */
  loginMechanism(): string;
  /** A polite goodbye (LOGOUT, QUIT, </stream:stream>); errors are ignored. */
  quit(): Promise<void>;
}

export interface Dialog {
  readonly protocol: Protocol;
  /** Standard ports (RFC 8314, 6186, XEP-0368); null where the mode has none. */
  readonly defaultPorts: { readonly starttls: number | null; readonly implicit: number | null };
  /**
   * Must capabilities be listed before STARTTLS may be sent? SMTP: yes (EHLO first, RFC 3207);
   * XMPP reads its stream features in the greeting; IMAP and POP3 may send it right away. The
   * TLS scanner's connections skip the listing where they can (one round trip less each).
   */
  readonly capabilitiesBeforeStartTls: boolean;
  /** ALPN protocol ids to offer on implicit TLS (XMPP: xmpp-client), or none. */
  readonly alpn: readonly string[];
  create(connection: Connection, context: DialogContext): DialogSession;
}
