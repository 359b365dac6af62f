/**
 * A small authoritative DNS server on loopback for tests (UDP, dns-packet): answers SRV and A
 * queries from a table, NXDOMAIN for anything else, and records every question it was asked.
 * Tests point a resolver at it with setServers(['127.0.0.1:<port>']).
 */
import { createSocket } from 'node:dgram';
import * as dnsPacket from 'dns-packet';

export interface SrvRecord {
  readonly target: string;
  readonly port: number;
  readonly priority?: number;
  readonly weight?: number;
}

export interface DnsTable {
  readonly srv?: Readonly<Record<string, readonly SrvRecord[]>>;
  readonly a?: Readonly<Record<string, readonly string[]>>;
}

export interface TestDnsServer {
  readonly port: number;
  /** Every question asked, as "TYPE name". */
  readonly questions: string[];
  close(): Promise<void>;
}

export async function startDnsServer(table: DnsTable): Promise<TestDnsServer> {
  const socket = createSocket('udp4');
  const questions: string[] = [];
  socket.on('message', (msg, rinfo) => {
    let query: dnsPacket.Packet;
    try {
      query = dnsPacket.decode(msg);
    } catch {
      return;
    }
    const q = query.questions?.[0];
    if (!q) return;
    const name = q.name.toLowerCase();
    questions.push(`${q.type} ${name}`);
    const answers: dnsPacket.Answer[] = [];
    if (q.type === 'SRV') {
      for (const r of table.srv?.[name] ?? []) {
        answers.push({
          type: 'SRV',
          name: q.name,
          ttl: 60,
          data: {
            target: r.target,
            port: r.port,
            priority: r.priority ?? 10,
            weight: r.weight ?? 10,
          },
        });
      }
    }
    if (q.type === 'A') {
      for (const ip of table.a?.[name] ?? [])
        answers.push({ type: 'A', name: q.name, ttl: 60, data: ip });
    }
    const known = answers.length > 0 || Object.hasOwn(table.srv ?? {}, name);
    const reply = dnsPacket.encode({
      type: 'response',
      id: query.id ?? 0,
      flags: dnsPacket.AUTHORITATIVE_ANSWER | (known ? 0 : 3), // rcode 3: NXDOMAIN
      questions: [q],
      answers,
    });
    socket.send(reply, rinfo.port, rinfo.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return {
    port: socket.address().port,
    questions,
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}
