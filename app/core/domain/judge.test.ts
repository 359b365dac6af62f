/**
 * The domain judge on made-up facts: the cases the bed cannot easily stage (several MX hosts
 * failing in different ways, a resolver that does not validate) and the severity rules.
 * The bed's integration test (test/integration/domain-bed.test.ts) covers the real parts.
 */
import { describe, expect, it } from 'vitest';
import { defaultTrustStores } from '../cert';
import { caps, facts, goodAddress, target } from '../findings/test-fixtures';
import type { AddressFacts } from '../facts/endpoint';
import {
  DOMAIN_FACTS_SCHEMA,
  type DomainFacts,
  type LookupSummary,
  type MxHostFacts,
} from './facts';
import { judgeDomain } from './judge';

const trust = defaultTrustStores();

function summary(name: string, over: Partial<LookupSummary> = {}): LookupSummary {
  return { name, outcome: 'answer', dnssec: 'insecure', error: null, ...over };
}

function host(
  name: string,
  addresses: AddressFacts[] | null,
  over: Partial<MxHostFacts> = {},
): MxHostFacts {
  return {
    host: name,
    preference: 10,
    a: summary(name),
    aaaa: summary(name, { outcome: 'no-data' }),
    addresses: addresses?.map((a) => a.address) ?? [],
    tlsa: { ...summary(`_25._tcp.${name}`, { outcome: 'no-data' }), records: [] },
    canonicalName: name,
    probe:
      addresses === null
        ? null
        : facts(
            target({ host: name, port: 25, protocol: 'smtp', security: 'starttls' }),
            ...addresses,
          ),
    ...over,
  };
}

function domain(hosts: MxHostFacts[], over: Partial<DomainFacts> = {}): DomainFacts {
  return {
    schema: DOMAIN_FACTS_SCHEMA,
    domain: 'example.org',
    startedAt: '2026-12-03T00:00:00.000Z',
    durationMs: 100,
    sealcheckVersion: '0.0.0-test',
    resolver: { servers: ['127.0.0.1:53'], origin: 'chosen', adTrusted: true, validates: true },
    mx: {
      ...summary('example.org'),
      records: hosts.map((h) => ({ preference: h.preference, exchange: h.host })),
      nullMx: false,
      implicit: false,
    },
    hosts,
    hostsNotChecked: 0,
    mtaSts: {
      record: {
        ...summary('_mta-sts.example.org', { outcome: 'no-data' }),
        result: { kind: 'none' },
      },
      fetch: null,
      policy: null,
    },
    tlsRpt: {
      ...summary('_smtp._tls.example.org', { outcome: 'no-data' }),
      result: { kind: 'none' },
    },
    ...over,
  };
}

const timedOut = (address: string): AddressFacts => ({
  ...goodAddress('starttls'),
  address,
  status: 'connection-timeout',
  error: { step: 'connect', kind: 'timeout', message: 'connect timed out after 10000 ms' },
  greeting: null,
  capabilitiesBeforeTls: null,
  starttls: null,
  tls: null,
  capabilitiesAfterTls: null,
  loginBeforeTls: null,
  injection: null,
});

const noStarttls: AddressFacts = {
  ...goodAddress('starttls'),
  greeting: { lines: ['220 mx ESMTP'], kind: 'ok', code: 220 },
  capabilitiesBeforeTls: caps({ raw: ['PIPELINING', 'SIZE 1000'], starttls: false }),
  starttls: { attempted: false, reply: [], outcome: 'not-attempted', plaintextAfterGoAhead: null },
  tls: null,
  capabilitiesAfterTls: null,
  loginBeforeTls: null,
  injection: null,
};

function withPolicy(f: DomainFacts, mode: 'enforce' | 'testing', mx: string[]): DomainFacts {
  return {
    ...f,
    mtaSts: {
      record: {
        ...summary('_mta-sts.example.org'),
        result: { kind: 'valid', record: { id: '1', extensions: [] } as never },
      },
      fetch: { kind: 'ok', url: 'https://mta-sts.example.org/.well-known/mta-sts.txt', body: '' },
      policy: { kind: 'valid', policy: { mode, mx, maxAge: 604_800 }, notes: [] },
    },
  };
}

const ids = (f: DomainFacts): string[] =>
  judgeDomain(f, { trust }).findings.map(
    (x) => `${x.severity}:${x.id}${x.subject.host ? `@${x.subject.host}` : ''}`,
  );

describe('port 25 from this network', () => {
  it('every MX timing out is a blocked port here: could not check, no MX blamed', () => {
    const f = domain([
      host('mx1.example.org', [timedOut('192.0.2.1')]),
      host('mx2.example.org', [timedOut('192.0.2.2')]),
    ]);
    const j = judgeDomain(f, { trust });
    expect(j.verdict).toBe('could-not-check');
    expect(ids(f)).toContain('warning:mx.port25-blocked');
    expect(ids(f).filter((i) => i.includes('mx.unreachable'))).toEqual([]);
  });

  it('one MX timing out while another answers is that MX, not the network', () => {
    const f = domain([
      host('mx1.example.org', [timedOut('192.0.2.1')]),
      host('mx2.example.org', [noStarttls]),
    ]);
    expect(ids(f)).toContain('warning:mx.unreachable@mx1.example.org');
    expect(ids(f)).toContain('critical:mx.no-starttls@mx2.example.org');
    expect(ids(f)).not.toContain('warning:mx.port25-blocked');
    expect(judgeDomain(f, { trust }).verdict).toBe('plaintext');
  });
});

describe('addresses that cannot be reached from here', () => {
  const noRoute = (address: string): AddressFacts => ({
    ...timedOut(address),
    status: 'connection-error',
    error: { step: 'connect', kind: 'unreachable', message: 'connect ENETUNREACH' },
  });

  it('an IPv6 address without a route does not hide what the IPv4 address showed', () => {
    const f = domain([host('mx1.example.org', [noStarttls, noRoute('2001:db8::25')])]);
    const j = judgeDomain(f, { trust });
    expect(j.hosts[0]).toMatchObject({ state: 'no-starttls', notReached: ['2001:db8::25'] });
    expect(ids(f)).toContain('critical:mx.no-starttls@mx1.example.org');
  });

  it('timeouts on IPv4 and no route on IPv6, on every MX: a blocked port here', () => {
    const f = domain([
      host('mx1.example.org', [timedOut('192.0.2.1'), noRoute('2001:db8::1')]),
      host('mx2.example.org', [timedOut('192.0.2.2')]),
    ]);
    expect(ids(f)).toContain('warning:mx.port25-blocked');
  });

  it('refusals are not a blocked port: the servers said no', () => {
    const refused: AddressFacts = { ...timedOut('192.0.2.1'), status: 'connection-refused' };
    const f = domain([host('mx1.example.org', [refused])]);
    expect(ids(f)).toEqual(expect.arrayContaining(['warning:mx.unreachable@mx1.example.org']));
    expect(ids(f)).not.toContain('warning:mx.port25-blocked');
  });
});

describe('MTA-STS severity follows the mode', () => {
  it('enforce: an MX without STARTTLS is refused by careful senders (held back, not exposed)', () => {
    const f = withPolicy(domain([host('mx1.example.org', [noStarttls])]), 'enforce', [
      'mx1.example.org',
    ]);
    expect(ids(f)).toContain('critical:mta-sts.mx-fails-policy@mx1.example.org');
    expect(ids(f)).not.toContain('critical:mx.no-starttls@mx1.example.org');
    expect(judgeDomain(f, { trust }).verdict).toBe('delivery-at-risk');
  });

  it('testing: the same MX is exposed, and the policy only reports it', () => {
    const f = withPolicy(domain([host('mx1.example.org', [noStarttls])]), 'testing', [
      'mx1.example.org',
    ]);
    expect(ids(f)).toEqual(
      expect.arrayContaining([
        'critical:mx.no-starttls@mx1.example.org',
        'warning:mta-sts.mx-fails-policy@mx1.example.org',
        'warning:mta-sts.testing',
      ]),
    );
    // "Encrypted when all goes well" would not be true here.
    expect(ids(f)).not.toContain('warning:mta-sts.missing');
    expect(judgeDomain(f, { trust }).verdict).toBe('plaintext');
  });

  it('an MX outside the policy list: critical when enforced, a warning when tested', () => {
    const hosts = [host('mx1.example.org', [timedOut('192.0.2.1')])];
    expect(ids(withPolicy(domain(hosts), 'enforce', ['*.other.example']))).toContain(
      'critical:mta-sts.mx-not-listed@mx1.example.org',
    );
    expect(ids(withPolicy(domain(hosts), 'testing', ['*.other.example']))).toContain(
      'warning:mta-sts.mx-not-listed@mx1.example.org',
    );
  });
});

describe('DNS and DANE', () => {
  it('null MX: no mail, nothing else claimed', () => {
    const f = domain([], {
      mx: {
        ...summary('example.org'),
        records: [{ preference: 0, exchange: '' }],
        nullMx: true,
        implicit: false,
      },
    });
    expect(ids(f)).toEqual(['info:domain.no-mail']);
    expect(judgeDomain(f, { trust }).verdict).toBe('no-mail');
  });

  it('TLSA seen through a resolver that does not validate: cannot tell, nothing claimed about DANE', () => {
    const tlsa = {
      ...summary('_25._tcp.mx1.example.org', { dnssec: 'unknown' }),
      records: [{ usage: 3, selector: 1, matchingType: 1, data: 'ab'.repeat(32) }],
    };
    const f = domain([host('mx1.example.org', [noStarttls], { tlsa })], {
      resolver: {
        servers: ['192.0.2.53:53'],
        origin: 'system',
        adTrusted: false,
        validates: 'unknown',
      },
    });
    const j = judgeDomain(f, { trust });
    expect(j.hosts[0]?.dane).toBe('unknown');
    expect(ids(f)).toContain('info:dane.cannot-tell');
    expect(ids(f).some((i) => /dane\.(mismatch|unsigned|valid)|mta-sts\.missing/.test(i))).toBe(
      false,
    );
  });

  it('an MX name without an address is reported, and the others still judged', () => {
    const f = domain([
      host('gone.example.org', null, { a: summary('gone.example.org', { outcome: 'nxdomain' }) }),
      host('mx2.example.org', [noStarttls]),
    ]);
    expect(ids(f)).toEqual(
      expect.arrayContaining([
        'warning:mx.no-address@gone.example.org',
        'critical:mx.no-starttls@mx2.example.org',
      ]),
    );
  });
});
