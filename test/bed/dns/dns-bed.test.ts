import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createDomainResolver,
  parseServer,
  type DomainResolver,
} from '../../../app/core/dns/resolver';
import { queryWire, type DnsServer, type QuestionType } from '../../../app/core/dns/wire';
import { startDnsBed, type DnsBed } from './index';

const TIMEOUT_MS = 30_000;
const run = promisify(execFile);
const TLSA_DATA = createHash('sha256').update('dns bed test key').digest('hex');
// A TXT record over 255 bytes must be split into strings; readers join them again.
const LONG_TXT_PARTS = ['v=STSv1; id=' + 'a'.repeat(240), 'b'.repeat(100)] as const;

let bed: DnsBed;
let resolverServer: DnsServer;
let resolver: DomainResolver;

function ask(name: string, type: QuestionType, cd = false) {
  return queryWire(resolverServer, { name, type, cd });
}

function dataOf(answers: readonly unknown[], type: string): unknown[] {
  return (answers as { type: string; data?: unknown }[])
    .filter((a) => a.type === type)
    .map((a) => a.data);
}

beforeAll(async () => {
  bed = await startDnsBed({
    zones: [
      {
        name: 'signed.example',
        signing: 'signed',
        records: [
          '@ MX 10 mail',
          'mail A 127.0.0.1',
          '@ TXT "v=spf1 -all"',
          `_mta-sts TXT ${LONG_TXT_PARTS.map((p) => `"${p}"`).join(' ')}`,
          `_25._tcp.mail TLSA 3 1 1 ${TLSA_DATA}`,
        ],
      },
      { name: 'plain.example', signing: 'unsigned', records: ['@ MX 10 mx', 'mx A 127.0.0.1'] },
      { name: 'broken.example', signing: 'bogus', records: ['@ A 127.0.0.1'] },
    ],
  });
  const server = parseServer(bed.resolver);
  if (!server) throw new Error(`not a server address: ${bed.resolver}`);
  resolverServer = server;
  resolver = createDomainResolver({ servers: [bed.resolver] });
}, TIMEOUT_MS);

afterAll(() => bed?.stop(), TIMEOUT_MS);

describe('dns bed', { timeout: TIMEOUT_MS }, () => {
  it('listens on loopback only', () => {
    expect(bed.resolver).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(bed.authoritative).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(bed.resolver).not.toBe(bed.authoritative);
  });

  it('the resolver validates: the root DNSKEY comes with AD', async () => {
    const r = await ask('.', 'DNSKEY');
    expect(r.rcode).toBe('NOERROR');
    expect(r.ad).toBe(true);
    expect(await resolver.validates()).toBe(true);
  });

  it('signed zone: MX, A and TXT are secure and right', async () => {
    const mx = await ask('signed.example', 'MX');
    expect(mx.ad).toBe(true);
    expect(dataOf(mx.answers, 'MX')).toEqual([{ preference: 10, exchange: 'mail.signed.example' }]);

    const parsed = await resolver.mx('signed.example');
    expect(parsed).toMatchObject({ outcome: 'answer', dnssec: 'secure' });
    expect(parsed.records).toEqual([{ preference: 10, exchange: 'mail.signed.example' }]);

    const a = await resolver.a('mail.signed.example');
    expect(a).toMatchObject({ outcome: 'answer', dnssec: 'secure', records: ['127.0.0.1'] });

    const spf = await resolver.txt('signed.example');
    expect(spf).toMatchObject({ dnssec: 'secure', records: ['v=spf1 -all'] });

    const long = await resolver.txt('_mta-sts.signed.example');
    expect(long.dnssec).toBe('secure');
    expect(long.records).toEqual([LONG_TXT_PARTS.join('')]);
    expect(long.records[0]?.length).toBeGreaterThan(255);
  });

  it('signed zone: the TLSA record is secure and parsed', async () => {
    const tlsa = await resolver.tlsa('_25._tcp.mail.signed.example');
    expect(tlsa).toMatchObject({ outcome: 'answer', dnssec: 'secure' });
    expect(tlsa.records).toEqual([{ usage: 3, selector: 1, matchingType: 1, data: TLSA_DATA }]);
  });

  it('signed zone: an absent name is NXDOMAIN with AD', async () => {
    const r = await ask('absent.signed.example', 'A');
    expect(r.rcode).toBe('NXDOMAIN');
    expect(r.ad).toBe(true);
    expect(await resolver.a('absent.signed.example')).toMatchObject({
      outcome: 'nxdomain',
      dnssec: 'secure',
    });
  });

  it('unsigned zone: answers without AD, so insecure', async () => {
    const r = await ask('plain.example', 'MX');
    expect(r.rcode).toBe('NOERROR');
    expect(r.ad).toBe(false);
    expect(dataOf(r.answers, 'MX')).toEqual([{ preference: 10, exchange: 'mx.plain.example' }]);

    const mx = await resolver.mx('plain.example');
    expect(mx).toMatchObject({ outcome: 'answer', dnssec: 'insecure' });
    expect(mx.records).toEqual([{ preference: 10, exchange: 'mx.plain.example' }]);
  });

  it('bogus zone: SERVFAIL, an answer with CD, so bogus', async () => {
    const r = await ask('broken.example', 'A');
    expect(r.rcode).toBe('SERVFAIL');

    const unchecked = await ask('broken.example', 'A', true);
    expect(unchecked.rcode).toBe('NOERROR');
    expect(dataOf(unchecked.answers, 'A')).toEqual(['127.0.0.1']);

    const a = await resolver.a('broken.example');
    expect(a).toMatchObject({ outcome: 'servfail', dnssec: 'bogus', records: [] });
  });

  it('dig, an independent client, reads the same flags as our wire client', async () => {
    const server = parseServer(bed.resolver);
    if (!server) throw new Error('no resolver');
    const dig = async (name: string, type: string, cd = false): Promise<string> => {
      const { stdout } = await run(
        'dig',
        [
          `@${server.host}`,
          '-p',
          String(server.port),
          name,
          type,
          '+dnssec',
          '+tries=1',
          '+time=3',
          ...(cd ? ['+cd'] : []),
        ],
        { timeout: 10_000 },
      );
      return stdout;
    };
    const flags = (out: string): string[] =>
      /;; flags: ([a-z ]+);/.exec(out)?.[1]?.split(' ') ?? [];
    const status = (out: string): string => /status: ([A-Z]+)/.exec(out)?.[1] ?? '';
    expect(flags(await dig('signed.example', 'MX'))).toContain('ad');
    expect(flags(await dig('plain.example', 'MX'))).not.toContain('ad');
    expect(status(await dig('plain.example', 'MX'))).toBe('NOERROR');
    expect(status(await dig('broken.example', 'A'))).toBe('SERVFAIL');
    expect(status(await dig('broken.example', 'A', true))).toBe('NOERROR');
  });

  it('setRecords: the resolver sees the new records, still secure', async () => {
    // Cache the old answers first, a positive and a negative one.
    expect((await resolver.a('mail.signed.example')).records).toEqual(['127.0.0.1']);
    expect((await resolver.a('new.signed.example')).outcome).toBe('nxdomain');

    await bed.setRecords('signed.example', ['@ MX 20 mail', 'mail A 127.0.0.2', 'new A 127.0.0.3']);

    expect(await resolver.a('mail.signed.example')).toMatchObject({
      dnssec: 'secure',
      records: ['127.0.0.2'],
    });
    expect(await resolver.a('new.signed.example')).toMatchObject({
      outcome: 'answer',
      dnssec: 'secure',
      records: ['127.0.0.3'],
    });
    expect((await resolver.mx('signed.example')).records).toEqual([
      { preference: 20, exchange: 'mail.signed.example' },
    ]);
    expect((await resolver.tlsa('_25._tcp.mail.signed.example')).outcome).toBe('nxdomain');
  });

  it('setRecords: an unsigned zone changes too and stays insecure', async () => {
    await bed.setRecords('plain.example', ['@ MX 5 other', 'other A 127.0.0.4']);
    const mx = await resolver.mx('plain.example');
    expect(mx).toMatchObject({ dnssec: 'insecure' });
    expect(mx.records).toEqual([{ preference: 5, exchange: 'other.plain.example' }]);
  });

  it('setRecords: a broken record is refused and the zone keeps its records', async () => {
    await expect(bed.setRecords('plain.example', ['@ MX not-a-number'])).rejects.toThrow(
      /zone-check/,
    );
    expect((await resolver.mx('plain.example')).records).toEqual([
      { preference: 5, exchange: 'other.plain.example' },
    ]);
    await expect(bed.setRecords('nope.example', [])).rejects.toThrow(/not one of the bed's zones/);
  });
});
