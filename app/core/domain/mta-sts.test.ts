import { describe, expect, it } from 'vitest';
import { mxMatchesPattern, parseStsPolicy, parseStsRecords } from './mta-sts';
import { parseTlsRptRecords } from './tls-rpt';

describe('parseStsRecords (RFC 8461 §3.1)', () => {
  it('one valid record: its id; other TXT records are ignored', () => {
    const r = parseStsRecords(['v=spf1 -all', 'v=STSv1; id=20261203T1;']);
    expect(r).toEqual({
      kind: 'valid',
      record: { id: '20261203T1', text: 'v=STSv1; id=20261203T1;' },
    });
  });
  it('none, several (count as none), and invalid ones are told apart', () => {
    expect(parseStsRecords(['hello'])).toEqual({ kind: 'none' });
    expect(parseStsRecords(['v=STSv1; id=a', 'v=STSv1; id=b']).kind).toBe('several');
    expect(parseStsRecords(['v=STSv1;']).kind).toBe('invalid');
    expect(parseStsRecords(['v=STSv1; id=has-dash']).kind).toBe('invalid');
    expect(parseStsRecords([`v=STSv1; id=${'a'.repeat(33)}`]).kind).toBe('invalid');
  });
});

describe('parseStsPolicy (§3.2)', () => {
  it('a valid policy, CRLF or LF, unknown fields ignored', () => {
    const body =
      'version: STSv1\r\nmode: enforce\r\nmx: mail.example.org\r\nmx: *.backup.example.org\r\nmax_age: 604800\r\nfuture: yes\r\n';
    expect(parseStsPolicy(body)).toEqual({
      kind: 'valid',
      policy: { mode: 'enforce', mx: ['mail.example.org', '*.backup.example.org'], maxAge: 604800 },
      notes: [],
    });
    expect(parseStsPolicy(body.replace(/\r/g, '')).kind).toBe('valid');
  });
  it('bad syntax is named: version, mode, max_age, missing mx', () => {
    const r = parseStsPolicy('version: STSv2\nmode: strict\nmax_age: soon\n');
    expect(r.kind).toBe('invalid');
    if (r.kind !== 'invalid') return;
    expect(r.problems.join(' | ')).toMatch(/STSv2.*strict.*soon/);
    const noMx = parseStsPolicy('version: STSv1\nmode: testing\nmax_age: 86400\n');
    expect(noMx.kind).toBe('invalid');
    expect(parseStsPolicy('version: STSv1\nmode: none\nmax_age: 86400\n').kind).toBe('valid');
    expect(parseStsPolicy(`version: STSv1\nmode: enforce\nmx: a.b\nmax_age: 31557601\n`).kind).toBe(
      'invalid',
    );
  });
});

describe('mxMatchesPattern (§4.1)', () => {
  it('exact names, and a wildcard for exactly one label', () => {
    expect(mxMatchesPattern('Mail.Example.org.', 'mail.example.org')).toBe(true);
    expect(mxMatchesPattern('mx1.example.org', '*.example.org')).toBe(true);
    expect(mxMatchesPattern('example.org', '*.example.org')).toBe(false);
    expect(mxMatchesPattern('a.b.example.org', '*.example.org')).toBe(false);
    expect(mxMatchesPattern('mail.example.net', 'mail.example.org')).toBe(false);
  });
});

describe('parseTlsRptRecords (RFC 8460 §3)', () => {
  it('mailto and https addresses; several records count as none; bad ones are named', () => {
    expect(
      parseTlsRptRecords(['v=TLSRPTv1; rua=mailto:tls@example.org,https://r.example.org/x']),
    ).toMatchObject({
      kind: 'valid',
      rua: ['mailto:tls@example.org', 'https://r.example.org/x'],
    });
    expect(parseTlsRptRecords([])).toEqual({ kind: 'none' });
    expect(
      parseTlsRptRecords(['v=TLSRPTv1; rua=mailto:a@b.c', 'v=TLSRPTv1; rua=mailto:d@e.f']).kind,
    ).toBe('several');
    expect(parseTlsRptRecords(['v=TLSRPTv1; rua=http://r.example.org/']).kind).toBe('invalid');
    expect(parseTlsRptRecords(['v=TLSRPTv1;']).kind).toBe('invalid');
  });
});
