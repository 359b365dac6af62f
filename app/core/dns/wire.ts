/**
 * One DNS question on the wire (UDP, then TCP when the answer is truncated), with the DO bit so
 * a validating resolver says whether it validated (the AD bit). Node's resolver hides that bit
 * (stack.md), and DANE and MTA-STS decisions depend on it.
 *
 * Bounded: a deadline per question, UDP answers only from the server asked and with our id and
 * question, TCP answers capped at the 64 KB a DNS message can be.
 */
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { randomInt } from 'node:crypto';
import { connect, isIPv6 } from 'node:net';
import * as dnsPacket from 'dns-packet';

export type QuestionType = 'A' | 'AAAA' | 'CNAME' | 'MX' | 'TXT' | 'TLSA' | 'DNSKEY' | 'DS';

export interface DnsServer {
  readonly host: string;
  readonly port: number;
}

export interface WireQuestion {
  readonly name: string;
  readonly type: QuestionType;
  /** Checking Disabled: asks a validating resolver for the data even when validation fails. */
  readonly cd?: boolean;
}

export interface WireAnswer {
  /** NOERROR, NXDOMAIN, SERVFAIL, REFUSED, … */
  readonly rcode: string;
  /** Authentic Data: the resolver says it validated every record in the answer. */
  readonly ad: boolean;
  readonly answers: readonly dnsPacket.Answer[];
  /** Where it came from, e.g. "127.0.0.1:53". */
  readonly server: string;
  /** The answer came over TCP (the UDP one was truncated). */
  readonly tcp: boolean;
}

export interface WireOptions {
  /** Deadline per attempt; default 3 s. */
  readonly timeoutMs?: number;
  /** UDP attempts before giving up; default 2. */
  readonly tries?: number;
  readonly signal?: AbortSignal;
}

/** Why a question got no answer at all. */
export class DnsWireError extends Error {
  constructor(
    readonly kind: 'timeout' | 'network' | 'malformed' | 'cancelled',
    message: string,
  ) {
    super(message);
    this.name = 'DnsWireError';
  }
}

const MAX_TCP_MESSAGE = 65_535;

export function serverLabel(s: DnsServer): string {
  return isIPv6(s.host) ? `[${s.host}]:${s.port}` : `${s.host}:${s.port}`;
}

function encodeQuery(id: number, q: WireQuestion): Buffer {
  return dnsPacket.encode({
    type: 'query',
    id,
    flags: dnsPacket.RECURSION_DESIRED | (q.cd === true ? dnsPacket.CHECKING_DISABLED : 0),
    questions: [{ type: q.type, name: q.name, class: 'IN' }],
    additionals: [
      // EDNS(0) with DNSSEC OK; 1232 bytes is the common safe UDP size (DNS flag day 2020).
      {
        type: 'OPT',
        name: '.',
        udpPayloadSize: 1232,
        extendedRcode: 0,
        ednsVersion: 0,
        flags: dnsPacket.DNSSEC_OK,
        flag_do: true,
        options: [],
      },
    ],
  });
}

/** The decoded response if it answers our question, else null (a stray or forged datagram). */
function matching(buf: Buffer, id: number, q: WireQuestion): dnsPacket.DecodedPacket | null {
  let p: dnsPacket.DecodedPacket;
  try {
    p = dnsPacket.decode(buf);
  } catch {
    return null;
  }
  const question = p.questions?.[0];
  if (p.type !== 'response' || p.id !== id || !question) return null;
  if (question.type !== q.type || !sameName(question.name, q.name)) return null;
  return p;
}

export function sameName(a: string, b: string): boolean {
  return a.replace(/\.$/, '').toLowerCase() === b.replace(/\.$/, '').toLowerCase();
}

function answerOf(p: dnsPacket.DecodedPacket, server: DnsServer, tcp: boolean): WireAnswer {
  const flags = p as unknown as { flag_ad?: boolean; rcode?: string };
  return {
    rcode: flags.rcode ?? 'NOERROR',
    ad: flags.flag_ad === true,
    answers: p.answers ?? [],
    server: serverLabel(server),
    tcp,
  };
}

/**
 * Settles a question's promise once: on the answer, an error, the deadline or the abort, then
 * closes the socket. Returns the settle function and a reject shortcut for wire errors.
 */
function settleOnce<T>(
  timeoutMs: number,
  signal: AbortSignal | undefined,
  close: () => void,
  resolve: (value: T) => void,
  reject: (err: DnsWireError) => void,
): { done: (value: T) => void; fail: (kind: DnsWireError['kind'], message: string) => void } {
  let settled = false;
  const finish = (fn: () => void): void => {
    if (settled) return;
    settled = true;
    clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
    close();
    fn();
  };
  const fail = (kind: DnsWireError['kind'], message: string): void =>
    finish(() => reject(new DnsWireError(kind, message)));
  const onAbort = (): void => fail('cancelled', 'the check was cancelled');
  const timer = setTimeout(() => fail('timeout', `no answer within ${timeoutMs} ms`), timeoutMs);
  signal?.addEventListener('abort', onAbort, { once: true });
  return { done: (value) => finish(() => resolve(value)), fail };
}

function udpOnce(
  server: DnsServer,
  q: WireQuestion,
  timeoutMs: number,
  signal: AbortSignal | undefined,
): Promise<{ packet: dnsPacket.DecodedPacket; truncated: boolean }> {
  return new Promise((resolve, reject) => {
    const id = randomInt(0, 0x10000);
    const socket: UdpSocket = createSocket(isIPv6(server.host) ? 'udp6' : 'udp4');
    const { done, fail } = settleOnce(timeoutMs, signal, () => socket.close(), resolve, reject);
    socket.on('error', (err) => fail('network', err.message));
    socket.on('message', (msg, rinfo) => {
      if (rinfo.port !== server.port) return;
      const p = matching(msg, id, q);
      if (!p) return; // not ours: keep waiting until the deadline
      const truncated = (p as unknown as { flag_tc?: boolean }).flag_tc === true;
      done({ packet: p, truncated });
    });
    socket.send(encodeQuery(id, q), server.port, server.host, (err) => {
      if (err) fail('network', err.message);
    });
  });
}

function tcpOnce(
  server: DnsServer,
  q: WireQuestion,
  timeoutMs: number,
  signal: AbortSignal | undefined,
): Promise<dnsPacket.DecodedPacket> {
  return new Promise((resolve, reject) => {
    const id = randomInt(0, 0x10000);
    const query = encodeQuery(id, q);
    const framed = Buffer.alloc(query.length + 2);
    framed.writeUInt16BE(query.length, 0);
    query.copy(framed, 2);
    const socket = connect({ host: server.host, port: server.port });
    let buf = Buffer.alloc(0);
    const { done, fail } = settleOnce(timeoutMs, signal, () => socket.destroy(), resolve, reject);
    socket.on('connect', () => socket.write(framed));
    socket.on('error', (err) => fail('network', err.message));
    socket.on('end', () => fail('network', 'the server closed the connection'));
    socket.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      if (buf.length > MAX_TCP_MESSAGE + 2) {
        fail('malformed', 'answer longer than a DNS message');
        return;
      }
      if (buf.length < 2) return;
      const length = buf.readUInt16BE(0);
      if (buf.length < length + 2) return;
      const p = matching(buf.subarray(2, length + 2), id, q);
      if (p) done(p);
      else fail('malformed', 'the answer is not for our question');
    });
  });
}

/** Asks one server one question. Throws DnsWireError when no usable answer came. */
export async function queryWire(
  server: DnsServer,
  q: WireQuestion,
  options: WireOptions = {},
): Promise<WireAnswer> {
  const timeoutMs = options.timeoutMs ?? 3_000;
  const tries = Math.max(1, options.tries ?? 2);
  let last: unknown;
  for (let i = 0; i < tries; i++) {
    if (options.signal?.aborted) throw new DnsWireError('cancelled', 'the check was cancelled');
    try {
      const { packet, truncated } = await udpOnce(server, q, timeoutMs, options.signal);
      if (!truncated) return answerOf(packet, server, false);
      return answerOf(await tcpOnce(server, q, timeoutMs, options.signal), server, true);
    } catch (err) {
      last = err;
      if (err instanceof DnsWireError && err.kind !== 'timeout') throw err;
    }
  }
  throw last instanceof Error ? last : new DnsWireError('timeout', 'no answer');
}
