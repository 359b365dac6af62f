/** RFC 9525 name matching, strictly, and the parsing of Node's subjectAltName string. */
import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import {
  ipAddressBytes,
  matchesDnsId,
  matchesIpId,
  matchesReferenceIdentity,
  namesFromSubjectAltName,
  normaliseReferenceName,
  parseSubjectAltName,
} from './identity';

const dns = (...dnsNames: string[]): { dnsNames: string[]; ipAddresses: string[] } => ({
  dnsNames,
  ipAddresses: [],
});

describe('matchesDnsId', () => {
  it.each([
    ['mail.example.org', ['mail.example.org'], true],
    ['MAIL.Example.ORG', ['mail.example.org'], true],
    ['mail.example.org', ['MAIL.EXAMPLE.ORG'], true],
    ['mail.example.org.', ['mail.example.org'], true],
    ['mail.example.org', ['mail.example.org.'], true],
    ['mail.example.org', ['example.org'], false],
    ['mail.example.org', ['other.example.org', 'mail.example.org'], true],
    ['mail.example.org', [], false],
    ['mail.example.org', ['mail.example.org.evil'], false],
    ['mail.example.org', ['ail.example.org'], false],
  ] as const)('%s vs %j → %s', (ref, names, expected) => {
    expect(matchesDnsId(ref, dns(...names))).toBe(expected);
  });

  it.each([
    ['a.example.org', '*.example.org', true],
    ['A.EXAMPLE.org', '*.Example.Org', true],
    ['xn--bcher-kva.example.org', '*.example.org', true],
    ['example.org', '*.example.org', false],
    ['a.b.example.org', '*.example.org', false],
    ['foo.example.org', 'f*.example.org', false],
    ['foo.example.org', '*o.example.org', false],
    ['foo.example.org', 'f*o.example.org', false],
    ['a.b.example.org', '*.*.example.org', false],
    ['a.example.org', 'a.*.org', false],
    ['a.example.org', 'a.example.*', false],
    ['example.org', '*.org', false],
    ['org', '*', false],
    ['a.example.org', '*', false],
    ['xn--bcher-kva.example.org', 'xn--*.example.org', false],
    ['xn--bcher-kva.example.org', 'xn--bcher-*.example.org', false],
    ['a.example.org', '**.example.org', false],
    ['a.example.org', '*.example.org.', true],
  ] as const)('wildcards: %s vs %s → %s', (ref, presented, expected) => {
    expect(matchesDnsId(ref, dns(presented))).toBe(expected);
  });

  it('compares Unicode reference names as A-labels', () => {
    expect(matchesDnsId('bücher.example', dns('xn--bcher-kva.example'))).toBe(true);
    expect(matchesDnsId('BÜCHER.example', dns('xn--bcher-kva.example'))).toBe(true);
    expect(matchesDnsId('bücher.example', dns('*.example'))).toBe(false);
    expect(matchesDnsId('www.bücher.example', dns('*.xn--bcher-kva.example'))).toBe(true);
    // A U-label in a certificate is not a valid DNS-ID: never matches.
    expect(matchesDnsId('bücher.example', dns('bücher.example'))).toBe(false);
  });

  it('never matches odd presented values or reference names', () => {
    expect(matchesDnsId('mail.example.org', dns('mail.example.org\u0000.evil'))).toBe(false);
    expect(matchesDnsId('mail.example.org', dns('mail..example.org'))).toBe(false);
    expect(matchesDnsId('mail.example.org', dns(''))).toBe(false);
    expect(matchesDnsId('mail.example.org', dns('mail.example.org, DNS:x'))).toBe(false);
    expect(matchesDnsId('*.example.org', dns('*.example.org'))).toBe(false);
    expect(matchesDnsId('', dns(''))).toBe(false);
    expect(matchesDnsId('a..example.org', dns('*.example.org'))).toBe(false);
    expect(matchesDnsId('-a.example.org', dns('-a.example.org'))).toBe(false);
  });

  it('ignores iPAddress entries for a name, and the CN is never consulted', () => {
    const names = { dnsNames: [], ipAddresses: ['127.0.0.1'] };
    expect(matchesDnsId('127.0.0.1', names)).toBe(false);
    expect(matchesDnsId('127.0.0.1', dns('127.0.0.1'))).toBe(false);
    expect(matchesReferenceIdentity('127.0.0.1', dns('127.0.0.1'))).toBe(false);
  });
});

describe('normaliseReferenceName', () => {
  it('lower-cases, strips one trailing dot, converts to A-labels', () => {
    expect(normaliseReferenceName('Mail.Example.ORG.')).toBe('mail.example.org');
    expect(normaliseReferenceName('bücher.example')).toBe('xn--bcher-kva.example');
    expect(normaliseReferenceName('a b.example')).toBeNull();
    expect(normaliseReferenceName('.')).toBeNull();
  });
});

describe('IP identities', () => {
  it('parses IPv4 and IPv6 into bytes', () => {
    expect([...(ipAddressBytes('192.0.2.1') ?? [])]).toEqual([192, 0, 2, 1]);
    expect([...(ipAddressBytes('::1') ?? [])]).toEqual([...Array<number>(15).fill(0), 1]);
    expect(ipAddressBytes('2001:db8::1')).toEqual(ipAddressBytes('2001:DB8:0:0:0:0:0:1'));
    expect(ipAddressBytes('::ffff:192.0.2.1')).toEqual(ipAddressBytes('::ffff:c000:201'));
    expect(ipAddressBytes('1:2:3:4:5:6:1.2.3.4')).toEqual(ipAddressBytes('1:2:3:4:5:6:102:304'));
    expect(ipAddressBytes('[::1]')).toEqual(ipAddressBytes('0:0:0:0:0:0:0:1'));
    expect(ipAddressBytes('fe80::1%eth0')).toBeNull();
    expect(ipAddressBytes('example.org')).toBeNull();
  });

  it('matches only iPAddress entries, compared as addresses', () => {
    const names = {
      dnsNames: ['127.0.0.1'],
      ipAddresses: ['0:0:0:0:0:0:0:1', '2001:DB8:0:0:1:0:0:1'],
    };
    expect(matchesIpId('::1', names)).toBe(true);
    expect(matchesIpId('2001:db8::1:0:0:1', names)).toBe(true);
    expect(matchesIpId('127.0.0.1', names)).toBe(false);
    const v4 = { dnsNames: [], ipAddresses: ['127.0.0.1'] };
    expect(matchesIpId('::ffff:127.0.0.1', v4)).toBe(false);
  });

  it('matchesReferenceIdentity dispatches on the kind of reference', () => {
    const names = { dnsNames: ['mail.example.org'], ipAddresses: ['192.0.2.7'] };
    expect(matchesReferenceIdentity('mail.example.org', names)).toBe(true);
    expect(matchesReferenceIdentity('192.0.2.7', names)).toBe(true);
    expect(matchesReferenceIdentity('[::1]', names)).toBe(false);
  });
});

describe('parseSubjectAltName', () => {
  it('reads Node’s format, decoding quoted values instead of splitting them', () => {
    const san =
      'DNS:a.example, DNS:*.b.example, DNS:"weird\\u002c DNS:evil.example", IP Address:127.0.0.1, ' +
      'IP Address:0:0:0:0:0:0:0:1, email:x@y.z, URI:http://u/, othername:XmppAddr:test.example';
    expect(parseSubjectAltName(san)).toEqual([
      { type: 'DNS', value: 'a.example' },
      { type: 'DNS', value: '*.b.example' },
      { type: 'DNS', value: 'weird, DNS:evil.example' },
      { type: 'IP Address', value: '127.0.0.1' },
      { type: 'IP Address', value: '0:0:0:0:0:0:0:1' },
      { type: 'email', value: 'x@y.z' },
      { type: 'URI', value: 'http://u/' },
      { type: 'othername', value: 'XmppAddr:test.example' },
    ]);
    const names = namesFromSubjectAltName(san);
    expect(names.dnsNames).toEqual(['a.example', '*.b.example', 'weird, DNS:evil.example']);
    expect(matchesDnsId('evil.example', names)).toBe(false);
    expect(parseSubjectAltName(undefined)).toEqual([]);
    expect(parseSubjectAltName('')).toEqual([]);
  });

  it('agrees with a real certificate made by openssl (no CN fallback)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sealcheck-identity-'));
    try {
      await writeFile(
        join(dir, 'san.cnf'),
        [
          '[req]',
          'distinguished_name = dn',
          '[dn]',
          '[ext]',
          'subjectAltName = @alt',
          '[alt]',
          'DNS.1 = mail.test.example',
          'DNS.2 = *.wild.test.example',
          'DNS.3 = weird, DNS:evil.test.example',
          'IP.1 = 192.0.2.7',
          'IP.2 = 2001:db8::1',
          '',
        ].join('\n'),
      );
      await promisify(execFile)('openssl', [
        'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
        '-keyout', join(dir, 'k.pem'), '-out', join(dir, 'c.pem'), '-days', '2',
        '-subj', '/CN=cn-only.test.example', '-config', join(dir, 'san.cnf'), '-extensions', 'ext',
      ]); // prettier-ignore
      const cert = new X509Certificate(await readFile(join(dir, 'c.pem')));
      const names = namesFromSubjectAltName(cert.subjectAltName);
      expect(names.dnsNames).toContain('weird, DNS:evil.test.example');
      expect(matchesReferenceIdentity('mail.test.example', names)).toBe(true);
      expect(matchesReferenceIdentity('x.wild.test.example', names)).toBe(true);
      expect(matchesReferenceIdentity('evil.test.example', names)).toBe(false);
      expect(matchesReferenceIdentity('cn-only.test.example', names)).toBe(false);
      expect(matchesReferenceIdentity('192.0.2.7', names)).toBe(true);
      expect(matchesReferenceIdentity('2001:db8:0::1', names)).toBe(true);
      // Cross-check with OpenSSL's own matcher, told never to use the subject.
      for (const name of ['mail.test.example', 'x.wild.test.example', 'cn-only.test.example']) {
        const openssl =
          cert.checkHost(name, { subject: 'never', partialWildcards: false }) !== undefined;
        expect(matchesDnsId(name, names)).toBe(openssl);
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
