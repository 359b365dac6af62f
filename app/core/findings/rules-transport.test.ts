import { describe, expect, it } from 'vitest';
import type { AddressFacts } from '../facts/endpoint';
import type { ProbeErrorFact } from '../net/errors';
import {
  lacksForwardSecrecy,
  legacyVersions,
  transportFindings,
  weakCipherFamilies,
} from './rules-transport';
import { caps, endpoint, facts, goodAddress, target, tls } from './test-fixtures';
import type { Finding } from './types';

const ids = (fs: readonly Finding[]): string[] => fs.map((f) => `${f.id}:${f.severity}`).sort();
const only = <K extends Finding['id']>(
  fs: readonly Finding[],
  id: K,
): Extract<Finding, { id: K }> => {
  const found = fs.filter((f): f is Extract<Finding, { id: K }> => f.id === id);
  expect(found).toHaveLength(1);
  return found[0] as Extract<Finding, { id: K }>;
};

const tlsAlert: ProbeErrorFact = {
  step: 'handshake',
  kind: 'tls',
  message: 'alert handshake_failure',
  alert: 'handshake_failure',
};

describe('clean endpoints', () => {
  it('a required-STARTTLS endpoint with TLS 1.3 has no findings', () => {
    expect(transportFindings(endpoint('starttls'))).toEqual([]);
  });
  it('an implicit-TLS endpoint with TLS 1.3 has no findings', () => {
    expect(transportFindings(endpoint('implicit', {}, { port: 993 }))).toEqual([]);
  });
});

describe('plaintext configured (security none)', () => {
  it('tls.none is critical, and a password invited in the clear is critical too', () => {
    const fs = transportFindings(endpoint('none'));
    expect(ids(fs)).toEqual(['auth.cleartext-before-tls:critical', 'tls.none:critical']);
    expect(only(fs, 'tls.none').evidence).toEqual({ starttlsOffered: false });
    expect(only(fs, 'tls.none').subject).toEqual({
      host: 'mail.example.org',
      port: 143,
      protocol: 'imap',
      security: 'none',
    });
  });
  it('says STARTTLS is available (the easy fix) when the server upgraded', () => {
    const fs = transportFindings(
      endpoint('none', {
        capabilitiesBeforeTls: caps(),
        starttls: {
          attempted: true,
          reply: ['OK'],
          outcome: 'accepted',
          plaintextAfterGoAhead: null,
        },
        loginBeforeTls: { command: 'AUTHENTICATE PLAIN', invited: false, reply: ['NO'] },
        tls: tls(),
      }),
    );
    expect(ids(fs)).toEqual(['tls.none:critical']);
    expect(only(fs, 'tls.none').evidence.starttlsOffered).toBe(true);
  });
  it('the TLS our probe negotiated is not the app’s: its weaknesses are at most warnings', () => {
    const fs = transportFindings(
      endpoint('none', {
        capabilitiesBeforeTls: caps(),
        starttls: {
          attempted: true,
          reply: ['OK'],
          outcome: 'accepted',
          plaintextAfterGoAhead: null,
        },
        loginBeforeTls: { command: 'AUTHENTICATE PLAIN', invited: false, reply: ['NO'] },
        tls: tls({
          version: 'SSLv3',
          cipher: { name: 'NULL-SHA', standardName: 'TLS_RSA_WITH_NULL_SHA' },
        }),
      }),
    );
    expect(ids(fs)).toEqual([
      'tls.cipher.weak:warning',
      'tls.no-forward-secrecy:warning',
      'tls.no-tls13:info',
      'tls.none:critical',
      'tls.version.ssl3:warning',
    ]);
  });
  it('a STARTTLS that fails in plaintext mode is a warning (switching would not help yet)', () => {
    const fs = transportFindings(
      endpoint('none', {
        status: 'tls-error',
        error: tlsAlert,
        capabilitiesBeforeTls: caps(),
        starttls: {
          attempted: true,
          reply: ['OK'],
          outcome: 'accepted',
          plaintextAfterGoAhead: null,
        },
        loginBeforeTls: { command: 'AUTHENTICATE PLAIN', invited: false, reply: ['NO'] },
      }),
    );
    expect(ids(fs)).toEqual(['starttls.failed:warning', 'tls.none:critical']);
  });
  it('a rejecting greeting is no plaintext session: only check.incomplete', () => {
    const fs = transportFindings(
      endpoint('none', {
        status: 'protocol-error',
        error: { step: 'greeting', kind: 'refused-by-server', message: 'refused' },
        greeting: { lines: ['* BYE go away'], kind: 'reject' },
        capabilitiesBeforeTls: null,
        starttls: null,
        loginBeforeTls: null,
      }),
    );
    expect(ids(fs)).toEqual(['check.incomplete:warning']);
  });
});

describe('STARTTLS', () => {
  it('not offered where the app relies on it is critical', () => {
    const fs = transportFindings(
      endpoint('starttls', {
        capabilitiesBeforeTls: caps({ raw: ['IMAP4rev1'], starttls: false }),
        starttls: {
          attempted: false,
          reply: [],
          outcome: 'not-attempted',
          plaintextAfterGoAhead: null,
        },
        tls: null,
        capabilitiesAfterTls: null,
        injection: null,
      }),
    );
    expect(ids(fs)).toEqual(['starttls.not-offered:critical']);
    expect(only(fs, 'starttls.not-offered').evidence.capabilities).toEqual(['IMAP4rev1']);
  });
  it('POP3 without CAPA whose STLS is refused: not offered, not "failed", not incomplete', () => {
    const fs = transportFindings(
      endpoint(
        'starttls',
        {
          status: 'starttls-refused',
          error: { step: 'starttls', kind: 'refused-by-server', message: 'refused' },
          capabilitiesBeforeTls: caps({
            raw: [],
            listed: false,
            starttls: 'unknown',
            passwordLogin: 'unknown',
          }),
          starttls: {
            attempted: true,
            reply: ['-ERR unknown command'],
            outcome: 'refused',
            plaintextAfterGoAhead: null,
          },
          loginBeforeTls: { command: 'AUTH PLAIN', invited: false, reply: ['-ERR'] },
          tls: null,
          capabilitiesAfterTls: null,
          injection: null,
        },
        { protocol: 'pop3', port: 110 },
      ),
    );
    expect(ids(fs)).toEqual(['starttls.not-offered:critical']);
  });
  it.each([
    ['refused', 'refused', ['A2 NO no TLS today']],
    ['temporarily-unavailable', 'temporarily-unavailable', ['454 4.7.0 TLS not available']],
  ] as const)(
    'advertised but %s: starttls.failed, critical, no check.incomplete',
    (outcome, expected, reply) => {
      const error: ProbeErrorFact = {
        step: 'starttls',
        kind: 'refused-by-server',
        message: 'refused',
      };
      const fs = transportFindings(
        endpoint('starttls', {
          status: 'starttls-refused',
          error,
          starttls: { attempted: true, reply, outcome, plaintextAfterGoAhead: null },
          tls: null,
          capabilitiesAfterTls: null,
          injection: null,
        }),
      );
      expect(ids(fs)).toEqual(['starttls.failed:critical']);
      expect(only(fs, 'starttls.failed').evidence).toEqual({ outcome: expected, reply, error });
    },
  );
  it('a handshake failure after the go-ahead: starttls.failed (handshake-failed), critical', () => {
    const fs = transportFindings(
      endpoint('starttls', {
        status: 'tls-error',
        error: tlsAlert,
        tls: null,
        capabilitiesAfterTls: null,
      }),
    );
    expect(ids(fs)).toEqual(['starttls.failed:critical']);
    expect(only(fs, 'starttls.failed').evidence.outcome).toBe('handshake-failed');
  });
  it('a handshake timeout is no refusal: check.incomplete only', () => {
    const fs = transportFindings(
      endpoint('starttls', {
        status: 'io-timeout',
        error: { step: 'handshake', kind: 'timeout', message: 'deadline' },
        tls: null,
        capabilitiesAfterTls: null,
      }),
    );
    expect(ids(fs)).toEqual(['check.incomplete:warning']);
  });
  it('IMAP PREAUTH on a STARTTLS endpoint cannot be upgraded: not offered', () => {
    const fs = transportFindings(
      endpoint('starttls', {
        greeting: { lines: ['* PREAUTH welcome'], kind: 'preauth' },
        starttls: {
          attempted: false,
          reply: [],
          outcome: 'not-attempted',
          plaintextAfterGoAhead: null,
        },
        loginBeforeTls: null,
        tls: null,
        capabilitiesAfterTls: null,
        injection: null,
      }),
    );
    expect(ids(fs)).toEqual(['starttls.not-offered:critical']);
  });
});

describe('STARTTLS optional and login before TLS', () => {
  const optionalImap: Partial<AddressFacts> = {
    capabilitiesBeforeTls: caps({
      raw: ['IMAP4rev1', 'STARTTLS', 'AUTH=PLAIN'],
      saslMechanisms: ['PLAIN'],
      passwordLogin: true,
    }),
    loginBeforeTls: {
      command: 'AUTHENTICATE PLAIN',
      invited: true,
      reply: ['+', 'A1 BAD cancelled'],
    },
  };
  it('IMAP without LOGINDISABLED inviting a password: optional and cleartext login, both warnings', () => {
    const fs = transportFindings(endpoint('starttls', optionalImap));
    expect(ids(fs)).toEqual(['auth.cleartext-before-tls:warning', 'starttls.optional:warning']);
    expect(only(fs, 'starttls.optional').evidence).toEqual({ loginInvitedBeforeTls: true });
    expect(only(fs, 'auth.cleartext-before-tls').evidence).toEqual({
      command: 'AUTHENTICATE PLAIN',
      reply: ['+', 'A1 BAD cancelled'],
    });
  });
  it('LOGIN available but AUTHENTICATE not invited: optional, no cleartext-auth finding', () => {
    const fs = transportFindings(
      endpoint('starttls', {
        capabilitiesBeforeTls: caps({ raw: ['IMAP4rev1', 'STARTTLS'], passwordLogin: true }),
      }),
    );
    expect(ids(fs)).toEqual(['starttls.optional:warning']);
    expect(only(fs, 'starttls.optional').evidence.loginInvitedBeforeTls).toBe(false);
  });
  it('nothing says either way: no claim', () => {
    const fs = transportFindings(
      endpoint('starttls', {
        capabilitiesBeforeTls: caps({ passwordLogin: 'unknown' }),
        loginBeforeTls: { command: 'AUTHENTICATE PLAIN', invited: 'unknown', reply: ['A1 OK ?'] },
      }),
    );
    expect(fs).toEqual([]);
  });
  it('XMPP: <required/> means required; without it, optional', () => {
    const xmpp = { protocol: 'xmpp' as const, port: 5222, host: 'test.example' };
    const required = caps({ raw: ['starttls'], starttlsRequired: true, passwordLogin: 'unknown' });
    expect(
      transportFindings(
        endpoint('starttls', { capabilitiesBeforeTls: required, loginBeforeTls: null }, xmpp),
      ),
    ).toEqual([]);
    const optional = caps({ raw: ['starttls'], starttlsRequired: false, passwordLogin: false });
    const fs = transportFindings(
      endpoint('starttls', { capabilitiesBeforeTls: optional, loginBeforeTls: null }, xmpp),
    );
    expect(ids(fs)).toEqual(['starttls.optional:warning']);
    expect(only(fs, 'starttls.optional').evidence.loginInvitedBeforeTls).toBe('unknown');
  });
  it('SMTP between mail servers: optional STARTTLS is the norm, info', () => {
    const fs = transportFindings(
      endpoint(
        'starttls',
        {
          capabilitiesBeforeTls: caps({ raw: ['PIPELINING', 'STARTTLS'], passwordLogin: false }),
          loginBeforeTls: null,
        },
        { protocol: 'smtp', port: 25 },
      ),
    );
    expect(ids(fs)).toEqual(['starttls.optional:info']);
  });
  it('submission taking MAIL before TLS: optional (warning), but no password was invited', () => {
    const fs = transportFindings(
      endpoint(
        'starttls',
        {
          capabilitiesBeforeTls: caps({ raw: ['PIPELINING', 'STARTTLS'], passwordLogin: false }),
          loginBeforeTls: {
            command: 'MAIL FROM:<> (then RSET)',
            invited: true,
            reply: ['250 2.1.0 Ok', '250 2.0.0 Ok'],
          },
        },
        { protocol: 'submission', port: 587 },
      ),
    );
    expect(ids(fs)).toEqual(['starttls.optional:warning']);
  });
  it('submission answering 530 before TLS: required', () => {
    const fs = transportFindings(
      endpoint(
        'starttls',
        {
          capabilitiesBeforeTls: caps({ raw: ['STARTTLS'], passwordLogin: false }),
          loginBeforeTls: {
            command: 'MAIL FROM:<> (then RSET)',
            invited: false,
            reply: ['530 5.7.0 Must issue a STARTTLS command first'],
          },
        },
        { protocol: 'submission', port: 587 },
      ),
    );
    expect(fs).toEqual([]);
  });
});

describe('STARTTLS implementation bugs', () => {
  it('command injection and plaintext after the go-ahead are warnings', () => {
    const fs = transportFindings(
      endpoint('starttls', {
        injection: {
          tested: true,
          command: 'NOOP',
          vulnerable: true,
          evidence: ['A3 OK NOOP completed'],
        },
        starttls: {
          attempted: true,
          reply: ['A2 OK'],
          outcome: 'accepted',
          plaintextAfterGoAhead: { bytes: 12, preview: 'A3 OK NOOP' },
        },
      }),
    );
    expect(ids(fs)).toEqual([
      'starttls.command-injection:warning',
      'starttls.plaintext-after-go-ahead:warning',
    ]);
    expect(only(fs, 'starttls.command-injection').evidence).toEqual({
      command: 'NOOP',
      evidence: ['A3 OK NOOP completed'],
    });
  });
  it('an injection test that could not complete claims nothing', () => {
    const fs = transportFindings(
      endpoint('starttls', {
        injection: { tested: true, command: 'NOOP', vulnerable: 'unknown', evidence: [] },
      }),
    );
    expect(fs).toEqual([]);
  });
});

describe('negotiated TLS parameters', () => {
  const withTls = (overrides: Parameters<typeof tls>[0]): Finding[] =>
    transportFindings(endpoint('implicit', { tls: tls(overrides) }, { port: 993 }));

  it('TLS 1.2 with ECDHE and AES-GCM: only no-tls13 (info)', () => {
    const fs = withTls({
      version: 'TLSv1.2',
      cipher: {
        name: 'ECDHE-RSA-AES128-GCM-SHA256',
        standardName: 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256',
      },
    });
    expect(ids(fs)).toEqual(['tls.no-tls13:info']);
  });
  it('TLS 1.0 negotiated: legacy (warning)', () => {
    const fs = withTls({
      version: 'TLSv1',
      cipher: { name: 'ECDHE-RSA-AES128-SHA', standardName: 'TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA' },
    });
    expect(ids(fs)).toEqual(['tls.no-tls13:info', 'tls.version.legacy:warning']);
    expect(only(fs, 'tls.version.legacy').evidence).toEqual({
      versions: ['TLSv1'],
      negotiated: true,
    });
  });
  it('SSL 3.0 negotiated: critical', () => {
    const fs = withTls({
      version: 'SSLv3',
      cipher: { name: 'AES128-SHA', standardName: 'TLS_RSA_WITH_AES_128_CBC_SHA' },
    });
    expect(ids(fs)).toContain('tls.version.ssl3:critical');
  });
  it('static RSA with 3DES: weak cipher (warning) and no forward secrecy (warning)', () => {
    const fs = withTls({
      version: 'TLSv1.2',
      cipher: { name: 'DES-CBC3-SHA', standardName: 'TLS_RSA_WITH_3DES_EDE_CBC_SHA' },
    });
    expect(ids(fs)).toEqual([
      'tls.cipher.weak:warning',
      'tls.no-forward-secrecy:warning',
      'tls.no-tls13:info',
    ]);
    expect(only(fs, 'tls.cipher.weak').evidence).toEqual({
      suites: ['TLS_RSA_WITH_3DES_EDE_CBC_SHA'],
      families: ['3des'],
      negotiated: true,
    });
  });
  it.each([
    ['TLS_RSA_WITH_NULL_SHA256', 'NULL-SHA256', 'null'],
    ['TLS_DH_anon_WITH_AES_128_CBC_SHA', 'ADH-AES128-SHA', 'anonymous'],
    ['TLS_RSA_EXPORT_WITH_RC4_40_MD5', 'EXP-RC4-MD5', 'export'],
    ['TLS_RSA_WITH_DES_CBC_SHA', 'DES-CBC-SHA', 'des'],
  ])('%s is critical (%s)', (standardName, name, family) => {
    const fs = withTls({ version: 'TLSv1.2', cipher: { name, standardName } });
    const weak = only(fs, 'tls.cipher.weak');
    expect(weak.severity).toBe('critical');
    expect(weak.evidence.families).toContain(family);
  });
  it('DH groups: 1024 bits is a warning, 512 critical, 2048 fine', () => {
    const dh = (size: number): Finding[] =>
      withTls({
        version: 'TLSv1.2',
        cipher: {
          name: 'DHE-RSA-AES128-GCM-SHA256',
          standardName: 'TLS_DHE_RSA_WITH_AES_128_GCM_SHA256',
        },
        keyExchange: { type: 'DH', name: null, size },
      });
    expect(only(dh(1024), 'tls.dh-weak')).toMatchObject({
      severity: 'warning',
      evidence: { bits: 1024 },
    });
    expect(only(dh(512), 'tls.dh-weak').severity).toBe('critical');
    expect(ids(dh(2048))).toEqual(['tls.no-tls13:info']);
  });
  it('classifiers work on OpenSSL names when the IANA name is unknown', () => {
    expect(weakCipherFamilies({ name: 'RC4-SHA', standardName: 'unknown' })).toEqual(['rc4']);
    expect(weakCipherFamilies({ name: 'AECDH-AES128-SHA', standardName: '' })).toEqual([
      'anonymous',
    ]);
    expect(
      weakCipherFamilies({
        name: 'TLS_AES_128_GCM_SHA256',
        standardName: 'TLS_AES_128_GCM_SHA256',
      }),
    ).toEqual([]);
    expect(legacyVersions(['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'])).toEqual([
      'TLSv1',
      'TLSv1.1',
    ]);
    expect(lacksForwardSecrecy('TLSv1.3', { standardName: 'TLS_AES_128_GCM_SHA256' })).toBe(false);
    expect(
      lacksForwardSecrecy('TLSv1.2', { standardName: 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256' }),
    ).toBe(false);
    expect(
      lacksForwardSecrecy('TLSv1.2', { standardName: 'TLS_RSA_WITH_AES_128_GCM_SHA256' }),
    ).toBe(true);
  });
});

describe('incomplete checks', () => {
  it('a refused connection is check.incomplete with the error, and nothing else', () => {
    const error: ProbeErrorFact = {
      step: 'connect',
      kind: 'refused',
      message: 'ECONNREFUSED',
      code: 'ECONNREFUSED',
    };
    const fs = transportFindings(
      facts(target(), {
        ...goodAddress('starttls'),
        status: 'connection-refused',
        error,
        greeting: null,
        capabilitiesBeforeTls: null,
        starttls: null,
        tls: null,
        capabilitiesAfterTls: null,
        loginBeforeTls: null,
        injection: null,
      }),
    );
    expect(fs).toHaveLength(1);
    expect(only(fs, 'check.incomplete').evidence).toEqual({ status: 'connection-refused', error });
  });
  it('a failure after TLS keeps what was seen before it', () => {
    const fs = transportFindings(
      endpoint('implicit', {
        status: 'io-timeout',
        error: { step: 'capabilities', kind: 'timeout', message: 'deadline' },
        tls: tls({
          version: 'TLSv1.2',
          cipher: { name: 'x', standardName: 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256' },
        }),
        capabilitiesAfterTls: null,
      }),
    );
    expect(ids(fs)).toEqual(['check.incomplete:warning', 'tls.no-tls13:info']);
  });
  it('no address at all (DNS failed) is one endpoint-wide check.incomplete', () => {
    const resolveError: ProbeErrorFact = { step: 'resolve', kind: 'dns', message: 'ENOTFOUND' };
    const fs = transportFindings({ ...facts(target()), resolveError });
    expect(fs).toEqual([
      {
        id: 'check.incomplete',
        severity: 'warning',
        subject: { host: 'mail.example.org', port: 143, protocol: 'imap', security: 'starttls' },
        evidence: { status: 'dns-error', error: resolveError },
      },
    ]);
  });
});

describe('several addresses', () => {
  const optional: Partial<AddressFacts> = {
    capabilitiesBeforeTls: caps({ raw: ['STARTTLS'], passwordLogin: true }),
  };
  it('a finding seen identically on every address is reported once, without an address', () => {
    const t = target();
    const fs = transportFindings(
      facts(
        t,
        goodAddress('starttls', optional),
        goodAddress('starttls', { ...optional, address: '2001:db8::1', family: 6 }),
      ),
    );
    expect(fs).toHaveLength(1);
    expect(fs[0]?.subject.address).toBeUndefined();
  });
  it('a finding on one address only keeps its address', () => {
    const fs = transportFindings(
      facts(
        target(),
        goodAddress('starttls'),
        goodAddress('starttls', { ...optional, address: '192.0.2.2' }),
      ),
    );
    expect(fs).toHaveLength(1);
    expect(fs[0]?.subject.address).toBe('192.0.2.2');
  });
});

describe('a STARTTLS finding explains only a stop at the upgrade', () => {
  it('plaintext mode: STARTTLS refused, then a timeout at the goodbye: both are reported', () => {
    const fs = transportFindings(
      endpoint('none', {
        status: 'io-timeout',
        error: { step: 'close', kind: 'timeout', message: 'deadline' },
        capabilitiesBeforeTls: caps(),
        starttls: {
          attempted: true,
          reply: ['A2 NO'],
          outcome: 'refused',
          plaintextAfterGoAhead: null,
        },
        loginBeforeTls: { command: 'AUTHENTICATE PLAIN', invited: false, reply: ['NO'] },
      }),
    );
    expect(ids(fs)).toEqual([
      'check.incomplete:warning',
      'starttls.failed:warning',
      'tls.none:critical',
    ]);
  });
});
