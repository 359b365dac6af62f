/** The warning decoder: what the apps' codes and sentences mean, held against this check. */
import { describe, expect, it } from 'vitest';
import type { Finding, FindingId } from '../findings/types';
import readability from 'text-readability';
import { fixtureFindings } from './fixtures';
import { bannedIn, firstSentence, MAX_GRADE } from './test-support';
import { decodeWarning, MAX_WARNING_CHARS, warningView } from './warning';

const one = (id: FindingId): Finding => {
  const f = fixtureFindings().find((x) => x.finding.id === id);
  if (!f) throw new Error(`no fixture for ${id}`);
  return f.finding;
};

describe('decodeWarning', () => {
  it.each([
    ['SEC_ERROR_UNKNOWN_ISSUER', 'thunderbird', ['untrusted-issuer', 'interception']],
    ['Error code: ssl_error_bad_cert_domain', 'thunderbird', ['name-mismatch']],
    ['MOZILLA_PKIX_ERROR_MITM_DETECTED', 'thunderbird', ['interception']],
    ['SEC_ERROR_EXPIRED_CERTIFICATE', 'thunderbird', ['expired']],
    ['MOZILLA_PKIX_ERROR_NOT_YET_VALID_CERTIFICATE', 'thunderbird', ['not-yet-valid']],
    [
      'The name on the security certificate is invalid or does not match the name of the site',
      'outlook',
      ['name-mismatch'],
    ],
    [
      'The security certificate was issued by a company you have not chosen to trust. View the certificate to determine whether you want to trust the certifying authority.',
      'outlook',
      ['untrusted-issuer', 'self-signed', 'interception'],
    ],
    [
      'The security certificate has expired or is not yet valid.',
      'outlook',
      ['expired', 'not-yet-valid'],
    ],
    [
      'Cannot Verify Server Identity\nThe identity of “imap.example.org” cannot be verified by Mail.',
      'apple',
      ['untrusted-issuer', 'name-mismatch', 'expired', 'self-signed', 'interception'],
    ],
    [
      'java.security.cert.CertPathValidatorException: Trust anchor for certification path not found.',
      'android',
      ['untrusted-issuer', 'self-signed', 'interception'],
    ],
    [
      'SSL certificate problem: unable to get local issuer certificate',
      'openssl',
      ['untrusted-issuer', 'interception'],
    ],
  ])('%s', (text, client, causes) => {
    const d = decodeWarning(text);
    expect(d.client).toBe(client);
    expect(d.causes).toEqual(causes);
    expect(d.recognised).not.toBeNull();
  });

  it('white space and line breaks in a pasted message do not matter', () => {
    expect(decodeWarning('The name on the security\n   certificate is invalid').causes).toEqual([
      'name-mismatch',
    ]);
  });

  it('unknown text is not guessed at, and a huge paste is cut, not scanned whole', () => {
    expect(decodeWarning('my mail does not work')).toEqual({
      recognised: null,
      client: null,
      causes: [],
    });
    const late = `${'x'.repeat(MAX_WARNING_CHARS)} SEC_ERROR_UNKNOWN_ISSUER`;
    expect(decodeWarning(late).recognised).toBeNull();
    const started = performance.now();
    decodeWarning('a '.repeat(5_000_000));
    expect(performance.now() - started).toBeLessThan(1000);
  });
});

describe('warningView', () => {
  it('the same problem seen from here: the server is the likely cause, with the finding named', () => {
    const v = warningView(
      decodeWarning('SEC_ERROR_UNKNOWN_ISSUER'),
      [one('cert.missing-intermediate')],
      'mail.example.org',
      true,
    );
    expect(v.causes[0]).toMatchObject({ cause: 'untrusted-issuer', seenHere: true });
    expect(v.causes[0]?.findings).toHaveLength(1);
    expect(v.conclusion).toMatch(/^The server is the likely cause/);
  });

  it('a server that looks right from here: the warning comes from where the app is', () => {
    const v = warningView(decodeWarning('SSL_ERROR_BAD_CERT_DOMAIN'), [], 'mail.example.org', true);
    expect(v.causes).toEqual([
      expect.objectContaining({ cause: 'name-mismatch', seenHere: false, findings: [] }),
    ]);
    expect(v.causes[0]?.sentence).toContain('your app is set to another server name');
    expect(v.conclusion).toMatch(/^From here, mail\.example\.org looks right/);
    expect(v.conclusion).toContain('Do not accept the warning');
  });

  it('an expired certificate warning with a suspect clock here points at the clock', () => {
    const v = warningView(
      decodeWarning('SEC_ERROR_EXPIRED_CERTIFICATE'),
      [one('clock.suspect')],
      'mail.example.org',
      true,
    );
    expect(v.causes[0]?.seenHere).toBe(true);
  });

  it('no certificate seen from here: says it cannot tell', () => {
    const v = warningView(decodeWarning('SEC_ERROR_UNKNOWN_ISSUER'), [], 'mail.example.org', false);
    expect(v.causes.every((c) => !c.seenHere)).toBe(true);
    expect(v.conclusion).toMatch(/could not see the certificate from here/);
  });

  it('unrecognised text: asks for the whole message or the code', () => {
    expect(warningView(decodeWarning('help'), [], 'h', true).conclusion).toMatch(
      /does not recognise/,
    );
  });
});

describe('the decoder’s words', () => {
  it('read at grade 8 or below, with no expert word in a first sentence (voice.md)', () => {
    const all = [
      'SEC_ERROR_UNKNOWN_ISSUER',
      'SSL_ERROR_BAD_CERT_DOMAIN',
      'SEC_ERROR_EXPIRED_CERTIFICATE',
      'MOZILLA_PKIX_ERROR_NOT_YET_VALID_CERTIFICATE',
      'SEC_ERROR_REVOKED_CERTIFICATE',
      'MOZILLA_PKIX_ERROR_MITM_DETECTED',
      'SSL_ERROR_NO_CYPHER_OVERLAP',
      'MOZILLA_PKIX_ERROR_INADEQUATE_KEY_SIZE',
      'MOZILLA_PKIX_ERROR_SELF_SIGNED_CERT',
    ];
    const texts: string[] = [];
    for (const code of all) {
      for (const seen of [true, false]) {
        const v = warningView(decodeWarning(code), [], 'the server', seen);
        texts.push(v.conclusion, ...v.causes.map((c) => c.sentence));
      }
    }
    texts.push(warningView(decodeWarning('?'), [], 'the server', true).conclusion);
    const seen = warningView(
      decodeWarning('SEC_ERROR_UNKNOWN_ISSUER'),
      [one('cert.missing-intermediate')],
      'the server',
      true,
    );
    texts.push(seen.conclusion, ...seen.causes.map((c) => c.sentence));
    for (const text of new Set(texts)) {
      expect(readability.fleschKincaidGrade(text), text).toBeLessThanOrEqual(MAX_GRADE);
      expect(bannedIn(firstSentence(text)), text).toEqual([]);
    }
  });
});
