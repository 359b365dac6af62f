/**
 * The facts schema on the hand-built fixtures every rule test uses (findings/test-fixtures.ts),
 * in each mode and with the rarer parts filled in (errors with limits, plaintext after the
 * go-ahead, a detailed scan, redacted transcript entries): each passes and comes back equal. The
 * schema against the real probe's facts: test/integration/facts-schema-bed.test.ts.
 */
import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import { endpoint, facts, goodAddress, scan, target, tls } from '../findings/test-fixtures';
import type { EndpointFacts } from './endpoint';
import { EndpointFactsSchema, MAX_CHAIN_CERTS, MAX_TEXT_CHARS } from './schema';

function roundTrip(f: EndpointFacts): unknown {
  const saved: unknown = JSON.parse(JSON.stringify(f));
  const parsed = v.safeParse(EndpointFactsSchema, saved);
  expect(parsed.issues ?? []).toEqual([]);
  return parsed.output;
}

describe('EndpointFactsSchema', () => {
  it('takes the fixtures in every mode, unchanged', () => {
    for (const security of ['implicit', 'starttls', 'none'] as const) {
      const f = endpoint(security);
      expect(roundTrip(f)).toEqual(f);
    }
  });

  it('takes the rarer parts: errors with limits, plaintext after the go-ahead, a detailed scan', () => {
    const error = {
      step: 'greeting',
      kind: 'limit',
      message: 'line too long',
      code: 'E2BIG',
      evidence: '* OK \\x1b[31m',
      limit: { name: 'maxLineBytes', value: 8192 },
    } as const;
    const f = facts(
      target({ protocol: 'xmpp', port: 5222, xmppDomain: 'example.org', connectTo: { host: '127.0.0.1', port: 15222 } }),
      goodAddress('starttls', {
        status: 'limit-exceeded',
        error,
        greeting: { lines: ['220 hi', '220-more'], kind: 'ok', code: 220 },
        starttls: { attempted: true, reply: ['220 go'], outcome: 'accepted', plaintextAfterGoAhead: { bytes: 4, preview: 'junk' } },
        injection: { tested: true, command: 'NOOP', vulnerable: 'unknown', evidence: ['250 ok'], error: { ...error, step: 'injection-probe' } },
        tls: tls({ keyExchange: null, alpn: 'xmpp-client', sniSent: null, resumed: true, ocsp: { requested: true, response: 'MIIB' } }),
        scan: scan({
          mode: 'detailed',
          detailed: { 'TLSv1.2': { suites: ['TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256'], complete: false } },
          chainAsSent: { version: 'TLSv1.2', certificates: ['MIIBleaf'] },
          handshakes: [{ question: 'version TLSv1', offered: { version: 'TLSv1', suites: 20 }, outcome: 'alert', alert: 'protocol_version', ms: 3 }],
        }),
        timings: { connect: 1, greeting: 2.5, starttls: 4 },
        transcript: [{ at: 0.5, dir: 'sent', text: 'AUTH PLAIN [secret]', tls: true, redacted: true, truncatedFrom: 4000 }],
      }),
    );
    expect(roundTrip(f)).toEqual(f);
    const v6 = facts(target(), goodAddress('implicit', { address: 'fe80::1%eth0', family: 6 }));
    expect(roundTrip(v6)).toEqual(v6);
  }); // prettier-ignore

  it('refuses what no probe writes: too long, too many, the wrong kind', () => {
    const f = endpoint('implicit');
    const a = f.addresses[0] ?? goodAddress('implicit');
    const refuses = (over: Partial<EndpointFacts>): boolean =>
      !v.safeParse(EndpointFactsSchema, { ...f, ...over }).success;
    expect(refuses({ sealcheckVersion: 'x'.repeat(65) })).toBe(true);
    expect(refuses({ addresses: [{ ...a, greeting: { lines: ['x'.repeat(MAX_TEXT_CHARS + 1)], kind: 'ok' } }] })).toBe(true);
    expect(refuses({ addresses: [{ ...a, greeting: { lines: ['x'.repeat(MAX_TEXT_CHARS)], kind: 'ok' } }] })).toBe(false);
    expect(refuses({ addresses: [{ ...a, tls: tls({ peerChain: Array.from({ length: MAX_CHAIN_CERTS + 1 }, () => 'AAAA') }) }] })).toBe(true);
    expect(refuses({ addresses: [{ ...a, tls: tls({ peerChain: ['not base64!'] }) }] })).toBe(true);
    expect(refuses({ addresses: [{ ...a, timings: { connect: -1 } }] })).toBe(true);
    expect(refuses({ addresses: [{ ...a, address: 'mail.example.org' }] })).toBe(true);
    expect(refuses({ target: { ...f.target, host: 'mail.example.org\u0000' } })).toBe(true);
    expect(refuses({ target: { ...f.target, host: 'mail example.org' } })).toBe(true);
    expect(refuses({ target: { ...f.target, host: 'm\u00e4il.\u4f8b\u5b50.org' } })).toBe(false);
    expect(refuses({ startedAt: '2026-02-30T25:00:00.000Z' })).toBe(true);
  }); // prettier-ignore
});
