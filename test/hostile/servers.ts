/**
 * Hostile fake servers for the probe engine's "bad input" tests: loopback, port 0, each closable,
 * every socket tracked so a test never leaks one.
 *
 * A server runs a Behaviour per connection. Two kinds are provided:
 * - raw behaviours that ignore the protocol (endless line, 10 MB banner, drip, silence, reset,
 *   garbage), and
 * - `dialogServer(protocol, script)`: a small but correct IMAP / POP3 / SMTP / XMPP server whose
 *   script replaces the normal behaviour at one step (reset after the greeting, STARTTLS refused,
 *   plaintext after the go-ahead, a broken handshake, an XMPP bomb …).
 */
import { createServer, type Server, type Socket } from 'node:net';
import { randomBytes } from 'node:crypto';
import type { Protocol } from '../../app/core/facts/endpoint';
import { Peer } from './peer';
import { HOSTILE_NAME, hostileCert, tlsActs, type HostileCert, type TlsAct } from './tls-servers';

export type Behaviour = (peer: Peer) => Promise<void>;

export interface HostileServer {
  readonly host: '127.0.0.1';
  readonly port: number;
  /** Connections accepted so far. */
  readonly accepted: number;
  /** Bytes written to clients so far, over all connections. */
  readonly bytesWritten: number;
  /** Errors thrown by the behaviour (a bug in this toolkit, not in the probe). */
  readonly behaviourErrors: readonly unknown[];
  /**
   * What clients sent, one buffer per connection in the order accepted, plaintext and decrypted
   * inside TLS alike (the first MAX_RECORDED bytes of all together).
   */
  received(): Buffer[];
  close(): Promise<void>;
}

/** Bytes of client input a hostile server records at most (all connections together). */
export const MAX_RECORDED = 4 * 1024 * 1024;

/**
 * Starts a server on 127.0.0.1, port 0, running `behaviour` on each connection. Its TLS (one
 * context for every connection, so sessions can be resumed) goes up to TLS 1.3, or only to
 * TLS 1.2 with `tls12Only`.
 */
export async function startHostileServer(
  behaviour: Behaviour,
  options: { readonly tls12Only?: boolean } = {},
): Promise<HostileServer> {
  const cert: HostileCert = await hostileCert();
  const context = options.tls12Only === true ? cert.contextTls12 : cert.context;
  const sockets = new Set<Socket>();
  const peers = new Set<Peer>();
  const behaviourErrors: unknown[] = [];
  let accepted = 0;
  let finishedBytes = 0;
  // What clients sent (plaintext and decrypted), for the secret-canary tests; bounded.
  const received: Buffer[][] = [];
  let receivedBytes = 0;
  const recorder = (connection: Buffer[]) => (chunk: Buffer) => {
    if (receivedBytes >= MAX_RECORDED) return;
    const kept = chunk.subarray(0, MAX_RECORDED - receivedBytes);
    receivedBytes += kept.length;
    connection.push(Buffer.from(kept));
  };
  const server: Server = createServer({ noDelay: true }, (socket) => {
    accepted += 1;
    sockets.add(socket);
    const input: Buffer[] = [];
    received.push(input);
    const peer = new Peer(socket, () => context, recorder(input));
    peers.add(peer);
    socket.on('close', () => sockets.delete(socket));
    behaviour(peer)
      .catch((err: unknown) => {
        if (!peer.closed) behaviourErrors.push(err);
      })
      .finally(() => {
        finishedBytes += peer.bytesWritten;
        peers.delete(peer);
        // A behaviour that returns without closing leaves the connection to the client.
      });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return {
    host: '127.0.0.1',
    port: address.port,
    get accepted() {
      return accepted;
    },
    get bytesWritten() {
      let sum = finishedBytes;
      for (const p of peers) sum += p.bytesWritten;
      return sum;
    },
    behaviourErrors,
    received: () => received.map((chunks) => Buffer.concat(chunks)),
    close: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const s of sockets) s.destroy();
      for (const p of peers) p.destroy();
      await closed;
    },
  };
}

/** Runs `behaviours[i]` on the i-th connection (the last one for any later connection). */
export function perConnection(behaviours: readonly Behaviour[]): Behaviour {
  let n = 0;
  return (peer) => {
    const behaviour = behaviours[Math.min(n++, behaviours.length - 1)];
    return behaviour ? behaviour(peer) : Promise.resolve();
  };
}

// ---------------------------------------------------------------------------------------------
// Raw behaviours: no protocol at all.

const ENDLESS_CHUNK = Buffer.alloc(64 * 1024, 0x41);

export const raw = {
  /** Bytes without a newline, forever (as fast as the client reads). */
  endlessLine: (async (peer) => {
    await peer.stream(ENDLESS_CHUNK);
  }) satisfies Behaviour,
  /** One line of `bytes` bytes (default 10 MB), then CRLF, then silence. */
  hugeBanner:
    (bytes = 10 * 1024 * 1024, prefix = ''): Behaviour =>
    async (peer) => {
      await peer.write(prefix);
      await peer.stream(ENDLESS_CHUNK, bytes - prefix.length);
      await peer.write('\r\n');
      await peer.hold();
    },
  /** `text` one byte at a time, `intervalMs` apart, then silence. */
  drip:
    (text: string, intervalMs = 1000): Behaviour =>
    async (peer) => {
      await peer.drip(text, intervalMs);
      await peer.hold();
    },
  /** Accepts and never says anything, never closes. */
  silence: (async (peer) => {
    await peer.hold();
  }) satisfies Behaviour,
  /** Resets the connection as soon as it is accepted. */
  resetAtOnce: (async (peer) => {
    peer.reset();
  }) satisfies Behaviour,
  /** Resets the connection `ms` after accepting it (the client has connected by then). */
  resetAfter:
    (ms: number): Behaviour =>
    async (peer) => {
      await peer.sleep(ms);
      peer.reset();
    },
  /** Closes cleanly (FIN) as soon as it is accepted. */
  closeAtOnce: (async (peer) => {
    peer.end();
  }) satisfies Behaviour,
  /** Random bytes with NUL, invalid UTF-8, escape sequences and bidi overrides, then a newline. */
  garbage: (async (peer) => {
    await peer.write(garbageBytes());
    await peer.hold();
  }) satisfies Behaviour,
};

/** The garbage a broken server sends: control characters, invalid UTF-8, bidi overrides. */
export function garbageBytes(): Buffer {
  return Buffer.concat([
    Buffer.from([0x00, 0xff, 0xfe, 0xc3, 0x28, 0x1b]),
    Buffer.from('[31mRED\u202Egnp.exe\u2066\u200F', 'utf8'),
    Buffer.from([0x07, 0x08, 0x7f, 0xc2, 0x85, 0xc2, 0x9b, 0x0d, 0x00]),
    randomBytes(64).map((b) => (b === 0x0a ? 0x00 : b)),
    Buffer.from('\r\n'),
  ]);
}

/** Characters that must never appear raw in a transcript or a fact (as escape.ts neutralises). */
export const RAW_HOSTILE_CHARS =
  // eslint-disable-next-line no-control-regex
  /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]/u;

// ---------------------------------------------------------------------------------------------
// Dialog servers: correct servers, made hostile at one step by a script.

/** What the client asked for, in protocol-neutral terms. */
export type CommandKind =
  'capabilities' | 'starttls' | 'auth' | 'cancel' | 'noop' | 'quit' | 'other';

export interface CommandContext {
  /** The command as received (a line, or an XMPP element). */
  readonly command: string;
  /** IMAP: the tag; others: ''. */
  readonly tag: string;
  /** The normal reply to this command (what a correct server would send). */
  readonly normal: string;
}

/** Replaces a step: return 'stop' to end the dialog (after closing or resetting), else 'continue'. */
export type Act = (peer: Peer, ctx: CommandContext) => Promise<'continue' | 'stop'>;

export interface DialogScript {
  /** Implicit TLS: a handshake first (or the hostile act given instead of one). */
  readonly implicit?: true | TlsAct;
  /**
   * Replaces the greeting (XMPP: the server's stream header, sent once the client opened its
   * stream; `command` is the client's header). Runs once, before TLS.
   */
  readonly greeting?: Act;
  /** Replaces the answer to a kind of command (XMPP 'capabilities': the stream features). */
  readonly on?: Partial<Record<CommandKind, Act>>;
  /** Replaces the text of the STARTTLS go-ahead (still followed by TLS). */
  readonly goAhead?: string | ((ctx: CommandContext) => string);
  /** Sent in the same write as the STARTTLS go-ahead (plaintext after the go-ahead). */
  readonly plaintextAfterGoAhead?: string;
  /** Replaces the TLS handshake after the go-ahead (a partial ServerHello, an alert storm …). */
  readonly afterGoAhead?: TlsAct;
  /** Keeps commands pipelined behind STARTTLS and answers them inside TLS (NO STARTTLS bug). */
  readonly injectionVulnerable?: boolean;
  /** TLS up to 1.2 only (sessions are resumed with one round trip less). */
  readonly tls12Only?: boolean;
}

/** An act that sends `text` then goes on. */
export function say(text: string | ((ctx: CommandContext) => string)): Act {
  return async (peer, ctx) => {
    await peer.write(typeof text === 'string' ? text : text(ctx));
    return 'continue';
  };
}

/** An act that resets the connection. */
export const resetNow: Act = async (peer) => {
  peer.reset();
  return 'stop';
};

/** An act that sends the normal reply, then resets. */
export const replyThenReset: Act = async (peer, ctx) => {
  await peer.write(ctx.normal);
  await peer.sleep(20);
  peer.reset();
  return 'stop';
};

/** An act that never answers and never closes. */
export const neverAnswer: Act = async (peer) => {
  await peer.hold();
  return 'stop';
};

/** An act that answers normally before TLS and runs `act` inside TLS. */
export function insideTls(act: Act): Act {
  return async (peer, ctx) => {
    if (peer.isTls) return act(peer, ctx);
    await peer.write(ctx.normal);
    return 'continue';
  };
}

/** An act that runs `act` before TLS and answers normally inside TLS. */
export function beforeTls(act: Act): Act {
  return async (peer, ctx) => {
    if (!peer.isTls) return act(peer, ctx);
    await peer.write(ctx.normal);
    return 'continue';
  };
}

/** An act that streams `unit` forever (after an optional head), respecting backpressure. */
export function endless(unit: string, head = ''): Act {
  const chunk = Buffer.from(unit.repeat(Math.max(1, Math.floor(16_384 / unit.length))), 'latin1');
  return async (peer) => {
    await peer.write(head);
    await peer.stream(chunk);
    return 'stop';
  };
}

/** An act that waits `ms`, then sends the normal reply. */
export function delayed(ms: number): Act {
  return async (peer, ctx) => {
    await peer.sleep(ms);
    await peer.write(ctx.normal);
    return 'continue';
  };
}

/** An act that drips the normal reply, one byte per `intervalMs`. */
export function dripNormal(intervalMs: number): Act {
  return async (peer, ctx) => {
    await peer.drip(ctx.normal, intervalMs);
    await peer.hold();
    return 'stop';
  };
}

/** Runs a protocol dialog on each connection, hostile where `script` says. */
export function dialogServer(protocol: Protocol, script: DialogScript = {}): Behaviour {
  return protocol === 'xmpp' ? xmppDialog(script) : lineDialog(PERSONAS[protocol], script);
}

/** Starts a server running `dialogServer(protocol, script)`. */
export function startDialogServer(
  protocol: Protocol,
  script: DialogScript = {},
): Promise<HostileServer> {
  return startHostileServer(dialogServer(protocol, script), {
    ...(script.tls12Only === true ? { tls12Only: true } : {}),
  });
}

// --- line protocols ---------------------------------------------------------------------------

interface Persona {
  readonly greeting: string;
  classify(line: string): { kind: CommandKind; tag: string };
  /** The normal reply; `tls` says whether the dialog is inside TLS already. */
  reply(kind: CommandKind, tag: string, tls: boolean, line: string): string;
}

const imap: Persona = {
  greeting: '* OK Hostile IMAP ready\r\n',
  classify(line) {
    const [tag = '', verb = ''] = line.split(' ');
    if (line === '*') return { kind: 'cancel', tag: '' };
    const map: Record<string, CommandKind> = {
      CAPABILITY: 'capabilities',
      STARTTLS: 'starttls',
      AUTHENTICATE: 'auth',
      NOOP: 'noop',
      LOGOUT: 'quit',
    };
    return { kind: map[verb.toUpperCase()] ?? 'other', tag };
  },
  reply(kind, tag, tls) {
    switch (kind) {
      case 'capabilities':
        return tls
          ? `* CAPABILITY IMAP4rev1 AUTH=PLAIN IDLE\r\n${tag} OK CAPABILITY completed\r\n`
          : `* CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED AUTH=PLAIN\r\n${tag} OK CAPABILITY completed\r\n`;
      case 'starttls':
        return tls ? `${tag} BAD already in TLS\r\n` : `${tag} OK Begin TLS negotiation now\r\n`;
      case 'auth':
        return '+ \r\n';
      case 'cancel':
        return `${tag} BAD AUTHENTICATE cancelled\r\n`;
      case 'noop':
        return `${tag} OK NOOP completed\r\n`;
      case 'quit':
        return `* BYE logging out\r\n${tag} OK LOGOUT completed\r\n`;
      case 'other':
        return `${tag} BAD unknown command\r\n`;
    }
  },
};

const pop3: Persona = {
  greeting: '+OK Hostile POP3 ready\r\n',
  classify(line) {
    if (line === '*') return { kind: 'cancel', tag: '' };
    const verb = (line.split(' ')[0] ?? '').toUpperCase();
    const map: Record<string, CommandKind> = {
      CAPA: 'capabilities',
      STLS: 'starttls',
      AUTH: 'auth',
      NOOP: 'noop',
      QUIT: 'quit',
    };
    return { kind: map[verb] ?? 'other', tag: '' };
  },
  reply(kind, _tag, tls) {
    switch (kind) {
      case 'capabilities':
        return tls
          ? '+OK Capability list follows\r\nUSER\r\nSASL PLAIN\r\nPIPELINING\r\n.\r\n'
          : '+OK Capability list follows\r\nUSER\r\nSASL PLAIN\r\nSTLS\r\nPIPELINING\r\n.\r\n';
      case 'starttls':
        return tls ? '-ERR already in TLS\r\n' : '+OK Begin TLS negotiation\r\n';
      case 'auth':
        return '+ \r\n';
      case 'cancel':
        return '-ERR authentication cancelled\r\n';
      case 'noop':
        return '+OK\r\n';
      case 'quit':
        return '+OK bye\r\n';
      case 'other':
        return '-ERR unknown command\r\n';
    }
  },
};

const smtp: Persona = {
  greeting: `220 ${HOSTILE_NAME} ESMTP Hostile ready\r\n`,
  classify(line) {
    if (line === '*') return { kind: 'cancel', tag: '' };
    const verb = (line.split(' ')[0] ?? '').toUpperCase();
    const map: Record<string, CommandKind> = {
      EHLO: 'capabilities',
      HELO: 'capabilities',
      STARTTLS: 'starttls',
      AUTH: 'auth',
      NOOP: 'noop',
      RSET: 'noop',
      QUIT: 'quit',
    };
    return { kind: map[verb] ?? 'other', tag: verb };
  },
  reply(kind, verb, tls) {
    switch (kind) {
      case 'capabilities':
        if (verb === 'HELO') return `250 ${HOSTILE_NAME}\r\n`;
        return [
          `250-${HOSTILE_NAME}`,
          '250-PIPELINING',
          '250-SIZE 10240000',
          ...(tls ? [] : ['250-STARTTLS']),
          '250-AUTH PLAIN LOGIN',
          '250 8BITMIME',
          '',
        ].join('\r\n');
      case 'starttls':
        return tls ? '503 5.5.1 already in TLS\r\n' : '220 2.0.0 Ready to start TLS\r\n';
      case 'auth':
        return '334 \r\n';
      case 'cancel':
        return '501 5.0.0 authentication cancelled\r\n';
      case 'noop':
        return '250 2.0.0 OK\r\n';
      case 'quit':
        return '221 2.0.0 Bye\r\n';
      case 'other':
        return '500 5.5.2 command not recognised\r\n';
    }
  },
};

const PERSONAS: Record<Exclude<Protocol, 'xmpp'>, Persona> = {
  imap,
  pop3,
  smtp,
  submission: smtp,
};

/** The normal greeting of a line protocol (for scripts that drip or repeat it). */
export function normalGreeting(protocol: Exclude<Protocol, 'xmpp'>): string {
  return PERSONAS[protocol].greeting;
}

async function beginImplicit(peer: Peer, script: DialogScript, alpn?: string[]): Promise<boolean> {
  if (script.implicit === undefined) return true;
  if (script.implicit === true) return peer.startTls(alpn ? { alpn } : {});
  await script.implicit(peer);
  return false;
}

function lineDialog(persona: Persona, script: DialogScript): Behaviour {
  return async (peer) => {
    if (!(await beginImplicit(peer, script))) return;
    const greetingCtx: CommandContext = { command: '', tag: '', normal: persona.greeting };
    if (script.greeting) {
      if ((await script.greeting(peer, greetingCtx)) === 'stop') return;
    } else {
      await peer.write(persona.greeting);
    }
    let lastTag = '';
    for (;;) {
      const line = await peer.readLine();
      if (line === null) return;
      const { kind, tag: parsedTag } = persona.classify(line);
      const tag = kind === 'cancel' ? lastTag : parsedTag;
      lastTag = tag;
      const normal = persona.reply(kind, tag, peer.isTls, line);
      const override = script.on?.[kind];
      if (override) {
        if ((await override(peer, { command: line, tag, normal })) === 'stop') return;
        continue;
      }
      if (kind === 'starttls' && !peer.isTls) {
        const text = goAheadText(script, { command: line, tag, normal });
        if (!(await goAhead(peer, script, text))) return;
        continue;
      }
      await peer.write(normal);
      if (kind === 'quit') {
        peer.end();
        return;
      }
    }
  };
}

function goAheadText(script: DialogScript, ctx: CommandContext): string {
  const g = script.goAhead;
  return g === undefined ? ctx.normal : typeof g === 'string' ? g : g(ctx);
}

/** Sends the go-ahead (with any plaintext after it) and runs the handshake or its replacement. */
async function goAhead(
  peer: Peer,
  script: DialogScript,
  normal: string,
  alpn?: string[],
): Promise<boolean> {
  void peer.write(normal + (script.plaintextAfterGoAhead ?? ''));
  if (script.afterGoAhead) {
    // Like a careful server, forget pipelined plaintext: the act waits for the real ClientHello.
    peer.discardPending();
    await script.afterGoAhead(peer);
    return false;
  }
  // Same tick as the write: the ClientHello cannot have arrived yet.
  const keepPending = script.injectionVulnerable === true;
  return peer.startTls({ keepPending, ...(alpn ? { alpn } : {}) });
}

// --- XMPP ------------------------------------------------------------------------------------

const NS_STREAM = 'http://etherx.jabber.org/streams';
const NS_TLS = 'urn:ietf:params:xml:ns:xmpp-tls';
const NS_SASL = 'urn:ietf:params:xml:ns:xmpp-sasl';

/** The server's stream header (answering a client's). */
export function xmppStreamHeader(id = 'hostile'): string {
  return (
    `<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='${NS_STREAM}'` +
    ` id='${id}' from='${HOSTILE_NAME}' version='1.0' xml:lang='en'>`
  );
}

export function xmppFeatures(tls: boolean): string {
  return tls
    ? `<stream:features><mechanisms xmlns='${NS_SASL}'><mechanism>SCRAM-SHA-1</mechanism>` +
        `<mechanism>PLAIN</mechanism></mechanisms></stream:features>`
    : `<stream:features><starttls xmlns='${NS_TLS}'/><mechanisms xmlns='${NS_SASL}'>` +
        `<mechanism>PLAIN</mechanism></mechanisms></stream:features>`;
}

export const XMPP_STARTTLS_FAILURE = `<failure xmlns='${NS_TLS}'/></stream:stream>`;

type XmppToken =
  | { readonly kind: 'stream-open'; readonly text: string }
  | { readonly kind: 'stream-close'; readonly text: string }
  | { readonly kind: 'element'; readonly name: string; readonly text: string };

/** A test server's tokeniser for what a probe sends: good enough, not an XML parser. */
function nextXmppToken(text: string): { token: XmppToken; length: number } | null {
  const lead = /^(?:\s|<\?xml[^>]*\?>)*/.exec(text)?.[0].length ?? 0;
  const rest = text.slice(lead);
  const open = /^<stream:stream\b[^>]*>/.exec(rest);
  if (open) return { token: { kind: 'stream-open', text: open[0] }, length: lead + open[0].length };
  const close = /^<\/stream:stream\s*>/.exec(rest);
  if (close) {
    return { token: { kind: 'stream-close', text: close[0] }, length: lead + close[0].length };
  }
  const element = /^<([\w:-]+)\b[^>]*?(?:\/>|>[\s\S]*?<\/\1\s*>)/.exec(rest);
  if (element) {
    return {
      token: { kind: 'element', name: element[1] ?? '', text: element[0] },
      length: lead + element[0].length,
    };
  }
  return null;
}

function xmppDialog(script: DialogScript): Behaviour {
  return async (peer) => {
    if (!(await beginImplicit(peer, script, ['xmpp-client']))) return;
    let greeted = false;
    for (;;) {
      const next = nextXmppToken(peer.peekText());
      if (next === null) {
        if (!(await peer.more())) return;
        continue;
      }
      peer.consumeText(next.length);
      const { token } = next;
      const tls = peer.isTls;
      if (token.kind === 'stream-close') {
        const onQuit = script.on?.quit;
        if (onQuit) {
          const ctx = { command: token.text, tag: '', normal: '</stream:stream>' };
          if ((await onQuit(peer, ctx)) === 'stop') return;
          continue;
        }
        await peer.write('</stream:stream>');
        peer.end();
        return;
      }
      if (token.kind === 'stream-open') {
        const header = xmppStreamHeader();
        const features = xmppFeatures(tls);
        if (!greeted && script.greeting) {
          greeted = true;
          const ctx = { command: token.text, tag: '', normal: header };
          if ((await script.greeting(peer, ctx)) === 'stop') return;
        } else {
          greeted = true;
          await peer.write(header);
        }
        const onFeatures = script.on?.capabilities;
        if (onFeatures) {
          const ctx = { command: token.text, tag: '', normal: features };
          if ((await onFeatures(peer, ctx)) === 'stop') return;
        } else {
          await peer.write(features);
        }
        continue;
      }
      const kind = xmppKind(token.name);
      const normal = xmppReply(kind, token.text, tls);
      const override = script.on?.[kind];
      if (override) {
        if ((await override(peer, { command: token.text, tag: '', normal })) === 'stop') return;
        continue;
      }
      if (kind === 'starttls' && !tls) {
        const text = goAheadText(script, { command: token.text, tag: '', normal });
        if (!(await goAhead(peer, script, text))) return;
        continue;
      }
      await peer.write(normal);
    }
  };
}

function xmppKind(name: string): CommandKind {
  switch (name) {
    case 'starttls':
      return 'starttls';
    case 'auth':
      return 'auth';
    case 'abort':
      return 'cancel';
    case 'iq':
      return 'noop';
    default:
      return 'other';
  }
}

function xmppReply(kind: CommandKind, text: string, tls: boolean): string {
  switch (kind) {
    case 'starttls':
      return tls ? XMPP_STARTTLS_FAILURE : `<proceed xmlns='${NS_TLS}'/>`;
    case 'auth':
      return `<challenge xmlns='${NS_SASL}'/>`;
    case 'cancel':
      return `<failure xmlns='${NS_SASL}'><aborted/></failure>`;
    case 'noop': {
      const id = /\bid=['"]([^'"]*)['"]/.exec(text)?.[1] ?? 'x';
      return `<iq type='result' id='${id}'/>`;
    }
    case 'capabilities':
      return xmppFeatures(tls);
    case 'quit':
      return '</stream:stream>';
    case 'other':
      return `<stream:error><unsupported-stanza-type xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error>`;
  }
}

export { tlsActs, HOSTILE_NAME };
