/**
 * Compares our table (built from IANA's registry) with the cipher mapping that Debian's
 * testssl.sh package installs. testssl.sh is GPL: its file is only read here, at test time, as an
 * independent opinion; nothing of it is copied into Sealcheck. scripts/install-system-deps.sh
 * installs it; without it this test fails and says so, rather than passing untested.
 */
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { suiteInfo } from './suites';

const MAPPING = '/etc/testssl/cipher-mapping.txt';

describe('suite table against testssl.sh’s mapping', () => {
  if (!existsSync(MAPPING)) {
    it('needs testssl.sh installed', () => {
      throw new Error(
        `${MAPPING} is missing: run scripts/install-system-deps.sh (Debian testssl.sh)`,
      );
    });
    return;
  }
  const rows = readFileSync(MAPPING, 'utf8')
    .split('\n')
    .map((l) =>
      /^\s*0x([0-9A-F]{2}),0x([0-9A-F]{2})\s+-\s+\S+\s+(\S+)\s+\S+\s+Kx=(\S+)\s+Au=(\S+)\s+Enc=(\S+)\s+Mac=\S+\s*(export)?/.exec(
        l,
      ),
    )
    .filter((m) => m !== null)
    .map(([, hi, lo, name, kx, au, enc, exp]) => ({
      code: parseInt(`${hi}${lo}`, 16),
      name: name ?? '',
      kx: kx ?? '',
      au: au ?? '',
      enc: enc ?? '',
      exp: exp === 'export',
    }));

  it('gives the same IANA name to every value both tables know', () => {
    const shared = rows.filter((r) => suiteInfo(r.code));
    expect(shared.length).toBeGreaterThan(300);
    for (const r of shared) expect(suiteInfo(r.code)?.name, r.code.toString(16)).toBe(r.name);
  });

  it('agrees on forward secrecy, anonymous, NULL, EXPORT, RC4 and 3DES', () => {
    for (const r of rows) {
      const s = suiteInfo(r.code);
      if (!s) continue; // values outside the IANA registry (drafts, vendor codes)
      // testssl.sh writes ephemeral key exchanges as DH, ECDH, DHEPSK, ECDHEPSK, SRP or any
      // (TLS 1.3), with "(512)" for EXPORT sizes; static ones as DH/RSA, ECDH/ECDSA, …
      const ephemeral = /^(DH|ECDH|DHEPSK|ECDHEPSK|SRP|any)(\(\d+\))?$/.test(r.kx);
      expect(s.flags.forwardSecrecy, s.name).toBe(ephemeral);
      expect(s.flags.anonymous, s.name).toBe(r.au === 'None');
      expect(s.flags.null, s.name).toBe(r.enc === 'None');
      expect(s.flags.export, s.name).toBe(r.exp);
      expect(s.flags.rc4, s.name).toBe(r.enc.startsWith('RC4'));
      expect(s.flags.tripleDes, s.name).toBe(r.enc.startsWith('3DES'));
    }
  });
});
