import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ADDITIONS, readIanaCsv, renderTable } from './gen-suite-table';
import {
  ALL_SUITES,
  parseSuiteName,
  suiteByName,
  suiteCodesWhere,
  suiteInfo,
  suiteName,
  suitesWhere,
} from './suites';

describe('suite table', () => {
  it('is exactly what gen-suite-table.ts generates from the IANA data', () => {
    expect(readFileSync(join(import.meta.dirname, 'suite-table.ts'), 'utf8')).toBe(renderTable());
  });

  it('holds every value of the IANA CSV copy with its name, plus the later assignments', () => {
    const csv = readIanaCsv(
      readFileSync(join(import.meta.dirname, 'data', 'IANA_TLS_Names.csv'), 'utf8'),
    );
    expect(csv.length).toBe(314);
    for (const [code, name] of [...csv, ...ADDITIONS]) {
      expect(suiteInfo(code)?.name).toBe(name);
    }
    expect(ALL_SUITES.length).toBe(csv.length + ADDITIONS.length);
    // Unassigned and GREASE values are not suites.
    expect(suiteInfo(0x0a0a)).toBeNull();
    expect(suiteInfo(0x0047)).toBeNull();
    expect(suiteName(0x0a0a)).toBe('0x0A0A (unassigned)');
  });

  it('every registry name parses', () => {
    for (const s of ALL_SUITES) expect(parseSuiteName(s.name), s.name).not.toBeNull();
  });
});

describe('parseSuiteName', () => {
  it('splits TLS ≤ 1.2 names into key exchange, authentication, cipher and MAC', () => {
    expect(parseSuiteName('TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256')).toMatchObject({
      keyExchange: 'ECDHE',
      authentication: 'RSA',
      cipher: 'AES_128_GCM',
      cipherBits: 128,
      mac: 'AEAD',
      tls13: false,
      flags: { forwardSecrecy: true, aead: true, cbc: false, anonymous: false },
    });
    expect(parseSuiteName('TLS_RSA_WITH_3DES_EDE_CBC_SHA')).toMatchObject({
      keyExchange: 'RSA',
      cipher: '3DES_EDE_CBC',
      cipherBits: 112,
      mac: 'SHA',
      flags: { forwardSecrecy: false, tripleDes: true, des: false, cbc: true },
    });
    expect(parseSuiteName('TLS_DH_anon_EXPORT_WITH_RC4_40_MD5')).toMatchObject({
      keyExchange: 'DHE',
      authentication: 'anon',
      cipher: 'RC4_40',
      cipherBits: 40,
      mac: 'MD5',
      flags: { anonymous: true, export: true, rc4: true },
    });
    expect(parseSuiteName('TLS_KRB5_EXPORT_WITH_DES_CBC_40_SHA')).toMatchObject({
      keyExchange: 'KRB5',
      cipherBits: 40,
      flags: { export: true, des: true },
    });
    expect(parseSuiteName('TLS_DH_RSA_WITH_AES_256_CBC_SHA256')).toMatchObject({
      keyExchange: 'DH',
      authentication: 'RSA',
      flags: { forwardSecrecy: false },
    });
    expect(parseSuiteName('TLS_ECDHE_ECDSA_WITH_AES_256_CCM_8')).toMatchObject({
      cipher: 'AES_256_CCM_8',
      mac: 'AEAD',
      flags: { aead: true },
    });
    expect(parseSuiteName('TLS_PSK_DHE_WITH_AES_128_CCM_8')).toMatchObject({
      keyExchange: 'DHE_PSK',
    });
    expect(parseSuiteName('TLS_RSA_WITH_NULL_SHA256')).toMatchObject({
      cipher: 'NULL',
      cipherBits: 0,
      flags: { null: true, anonymous: false },
    });
    expect(parseSuiteName('TLS_NULL_WITH_NULL_NULL')).toMatchObject({
      keyExchange: 'NULL',
      flags: { null: true, anonymous: true },
    });
    expect(parseSuiteName('TLS_SRP_SHA_DSS_WITH_AES_128_CBC_SHA')).toMatchObject({
      keyExchange: 'SRP',
      authentication: 'DSS',
    });
  });

  it('recognises TLS 1.3 names', () => {
    expect(parseSuiteName('TLS_CHACHA20_POLY1305_SHA256')).toMatchObject({
      keyExchange: 'TLS13',
      cipher: 'CHACHA20_POLY1305',
      cipherBits: 256,
      tls13: true,
      flags: { forwardSecrecy: true, aead: true },
    });
    expect(parseSuiteName('TLS_AES_128_CCM_8_SHA256')).toMatchObject({ cipher: 'AES_128_CCM_8' });
    expect(parseSuiteName('TLS_SHA256_SHA256')).toMatchObject({
      tls13: true,
      cipher: 'NULL',
      flags: { null: true },
    });
    expect(parseSuiteName('TLS_GOSTR341112_256_WITH_MAGMA_MGM_S')).toMatchObject({ tls13: true });
  });

  it('flags SCSVs and rejects what is not a suite name', () => {
    expect(parseSuiteName('TLS_FALLBACK_SCSV')?.flags.scsv).toBe(true);
    expect(suiteInfo(0x00ff)?.flags.scsv).toBe(true);
    expect(parseSuiteName('TLS_FOO_WITH_AES_128_CBC_SHA')).toBeNull();
    expect(parseSuiteName('SSL_RSA_WITH_RC4_128_MD5')).toBeNull();
    expect(parseSuiteName('TLS_RSA_WITH_AES_128_CBC')).toBeNull();
  });
});

describe('families', () => {
  it('selects suites by flag, without SCSVs', () => {
    const tls13 = suitesWhere((s) => s.tls13).map((s) => s.code);
    expect(tls13).toEqual(expect.arrayContaining([0x1301, 0x1302, 0x1303, 0x1304, 0x1305]));
    expect(suitesWhere(() => true).some((s) => s.flags.scsv)).toBe(false);
    expect(suitesWhere(() => true, { includeScsv: true }).length).toBe(ALL_SUITES.length);
    const rc4 = suiteCodesWhere((s) => s.flags.rc4);
    expect(rc4).toContain(0x0005);
    expect(rc4).toContain(0xc011);
    expect(suitesWhere((s) => s.flags.export).every((s) => s.cipherBits <= 56)).toBe(true);
    expect(suitesWhere((s) => s.flags.anonymous && s.keyExchange === 'ECDHE').length).toBe(5);
    // Every AEAD suite is either TLS 1.3 or carries no CBC.
    expect(suitesWhere((s) => s.flags.aead && s.flags.cbc)).toEqual([]);
    expect(suiteByName('TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256')?.code).toBe(0xcca8);
  });
});
