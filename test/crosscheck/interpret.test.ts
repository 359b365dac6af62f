/**
 * How testssl.sh's JSON findings become answers (no testssl, no bed): findings recorded from
 * testssl 3.0.8 against postfix-submission-implicit-good, plus hand-made variants for the
 * lumped buckets (LOW = RC4 + DES, 3DES_IDEA) and for --fast's incomplete cipher list.
 */
import { describe, expect, it } from 'vitest';
import {
  classifyCipher,
  interpretFindings,
  parseCipherFinding,
  type TestsslFinding,
} from './testssl';

const f = (id: string, finding: string, severity = 'INFO'): TestsslFinding => ({
  id,
  severity,
  finding,
});

/** Recorded: testssl -p -s -f against postfix-submission-implicit-good. */
const POSTFIX_PSF: readonly TestsslFinding[] = [
  f('SSLv2', 'not offered', 'OK'),
  f('SSLv3', 'not offered', 'OK'),
  f('TLS1', 'offered (deprecated)', 'LOW'),
  f('TLS1_1', 'offered (deprecated)', 'LOW'),
  f('TLS1_2', 'offered', 'OK'),
  f('TLS1_3', 'offered with final', 'OK'),
  f('cipherlist_NULL', 'not offered', 'OK'),
  f('cipherlist_aNULL', 'offered', 'CRITICAL'),
  f('cipherlist_EXPORT', 'not offered', 'OK'),
  f('cipherlist_LOW', 'not offered', 'OK'),
  f('cipherlist_3DES_IDEA', 'not offered'),
  f('cipherlist_AVERAGE', 'offered', 'LOW'),
  f('cipherlist_STRONG', 'offered', 'OK'),
  f('PFS', 'offered', 'OK'),
];

const CIPHER_LINES = {
  ecdhe:
    'xc02c   ECDHE-ECDSA-AES256-GCM-SHA384     ECDH 253   AESGCM      256      TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384',
  adh: 'xa7     ADH-AES256-GCM-SHA384             DH 2048    AESGCM      256      TLS_DH_anon_WITH_AES_256_GCM_SHA384',
  tls13:
    'x1302   TLS_AES_256_GCM_SHA384            ECDH 253   AESGCM      256      TLS_AES_256_GCM_SHA384',
  rsaRc4:
    'x05     RC4-SHA                           RSA        RC4         128      TLS_RSA_WITH_RC4_128_SHA',
  rsa3des:
    'x0a     DES-CBC3-SHA                      RSA        3DES        168      TLS_RSA_WITH_3DES_EDE_CBC_SHA',
};

describe('interpretFindings', () => {
  it('reads versions and families from -p -s -f; anonymous (EC)DH breaks the lumped buckets', () => {
    const r = interpretFindings(POSTFIX_PSF, 'psf');
    expect(r.versions).toEqual({
      SSLv2: false,
      SSLv3: false,
      TLSv1: true,
      'TLSv1.1': true,
      'TLSv1.2': true,
      'TLSv1.3': true,
    });
    // EXPORT, LOW and 3DES_IDEA exclude ADH: with aNULL offered their "not offered" proves little.
    expect(r.weakFamilies).toEqual({
      null: false,
      anonymous: true,
      export: 'unknown',
      rc4: 'unknown',
      tripleDes: 'unknown',
      des: 'unknown',
    });
    expect(r.forwardSecrecy).toEqual({ offered: true, nonForwardSecretAccepted: 'unknown' });
    expect(r.ciphers).toBeUndefined();
  });

  it('settles every family from the -e list over sockets (psfe, default)', () => {
    const findings = [
      ...POSTFIX_PSF,
      f('cipher_xc02c', CIPHER_LINES.ecdhe),
      f('cipher_xa7', CIPHER_LINES.adh),
      f('cipher_x1302', CIPHER_LINES.tls13),
    ];
    const r = interpretFindings(findings, 'psfe');
    expect(r.weakFamilies).toEqual({
      null: false,
      anonymous: true,
      export: false,
      rc4: false,
      tripleDes: false,
      des: false,
    });
    expect(r.forwardSecrecy).toEqual({ offered: true, nonForwardSecretAccepted: false });
  });

  it('a lumped bucket offered: RC4 vs DES and 3DES vs IDEA are told apart by the -e list only', () => {
    const base = POSTFIX_PSF.map((x) =>
      x.id === 'cipherlist_aNULL'
        ? f(x.id, 'not offered', 'OK')
        : x.id === 'cipherlist_LOW' || x.id === 'cipherlist_3DES_IDEA'
          ? f(x.id, 'offered', 'HIGH')
          : x,
    );
    expect(interpretFindings(base, 'psf').weakFamilies).toMatchObject({
      anonymous: false,
      export: false,
      rc4: 'unknown',
      des: 'unknown',
      tripleDes: 'unknown',
    });
    const withList = [
      ...base,
      f('cipher_x05', CIPHER_LINES.rsaRc4),
      f('cipher_x0a', CIPHER_LINES.rsa3des),
    ];
    const full = interpretFindings(withList, 'default');
    expect(full.weakFamilies).toMatchObject({ rc4: true, des: false, tripleDes: true });
    expect(full.forwardSecrecy.nonForwardSecretAccepted).toBe(true);
    // --fast lists suites with the local openssl: what it shows counts, what it lacks does not.
    const fast = interpretFindings(withList, 'fast');
    expect(fast.weakFamilies).toMatchObject({ rc4: true, des: 'unknown', tripleDes: true });
  });

  it('WARN and unexpected findings are unknown, never "not offered"', () => {
    const r = interpretFindings(
      [f('TLS1', 'SERVER_ERROR, test inconclusive.', 'WARN'), f('TLS1_2', 'strange answer')],
      'psf',
    );
    expect(r.versions.TLSv1).toBe('unknown');
    expect(r.versions['TLSv1.2']).toBe('unknown');
    expect(r.versions['TLSv1.3']).toBe('unknown'); // missing
  });
});

describe('parseCipherFinding / classifyCipher', () => {
  it('parses hex, OpenSSL and IANA names and classifies them', () => {
    const adh = parseCipherFinding(CIPHER_LINES.adh);
    expect(adh).toEqual({
      hex: 'xa7',
      openssl: 'ADH-AES256-GCM-SHA384',
      iana: 'TLS_DH_anon_WITH_AES_256_GCM_SHA384',
    });
    expect(adh && classifyCipher(adh)).toMatchObject({
      anonymous: true,
      forwardSecret: true,
      null: false,
    });
    const rc4 = parseCipherFinding(CIPHER_LINES.rsaRc4);
    expect(rc4 && classifyCipher(rc4)).toMatchObject({
      rc4: true,
      forwardSecret: false,
      des: false,
    });
    const tls13 = parseCipherFinding(CIPHER_LINES.tls13);
    expect(tls13 && classifyCipher(tls13)).toMatchObject({ forwardSecret: true, null: false });
    expect(parseCipherFinding('garbage')).toBeNull();
  });
});
