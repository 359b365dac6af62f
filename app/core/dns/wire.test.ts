import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDnsServer, type TestDnsServer } from '../../../test/support/dns-server';
import { DnsWireError, queryWire } from './wire';

let server: TestDnsServer;
beforeAll(async () => {
  server = await startDnsServer({ a: { 'mail.test.example': ['127.0.0.1'] } });
});
afterAll(() => server.close());

describe('queryWire', () => {
  it('asks over UDP and reads the answer, the rcode and the AD bit', async () => {
    const r = await queryWire(
      { host: '127.0.0.1', port: server.port },
      { name: 'mail.test.example', type: 'A' },
    );
    expect(r.rcode).toBe('NOERROR');
    expect(r.ad).toBe(false);
    expect(r.tcp).toBe(false);
    expect(r.answers.map((a) => (a as { data?: unknown }).data)).toEqual(['127.0.0.1']);
    expect(server.questions).toContain('A mail.test.example');
  });

  it('a server that never answers: a timeout within the deadline', async () => {
    const t0 = Date.now();
    const err = await queryWire(
      { host: '127.0.0.1', port: 9 },
      { name: 'x.test.example', type: 'A' },
      { timeoutMs: 200, tries: 1 },
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DnsWireError);
    expect((err as DnsWireError).kind).toMatch(/^(timeout|network)$/);
    expect(Date.now() - t0).toBeLessThan(2_000);
  });

  it('cancelled: a cancelled error at once', async () => {
    const controller = new AbortController();
    const pending = queryWire(
      { host: '127.0.0.1', port: 9 },
      { name: 'x.test.example', type: 'A' },
      { timeoutMs: 5_000, signal: controller.signal },
    ).catch((e: unknown) => e);
    controller.abort();
    expect(((await pending) as DnsWireError).kind).toBe('cancelled');
  });
});
