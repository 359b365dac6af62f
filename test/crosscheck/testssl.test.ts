/**
 * Issue 5's cross-check: testssl.sh against real bed endpoints, its verdicts checked against
 * facts established independently with `openssl s_client`, and Sealcheck's own TLS scan checked
 * against testssl on the same endpoint: accepted versions, weak / anonymous suites and
 * non-forward-secret key exchange must agree (compare.ts), and the scan must leave none of them
 * unknown.
 *
 * Three endpoints only (testssl needs ~20–25 s each in 'psfe' mode; the opt-in script
 * test/crosscheck/all.ts covers every endpoint):
 * - postfix-submission-implicit-good: implicit TLS; Postfix's defaults accept TLS 1.0–1.3 and
 *   anonymous (EC)DH suites.
 * - postfix-smtp-starttls-tls11-only: STARTTLS, capped at TLS 1.0/1.1, anonymous suites too.
 * - dovecot-imap-starttls-good: STARTTLS; Dovecot refuses a hello by closing the connection
 *   without OpenSSL's alert. testssl takes the close as "not offered"; the scan does too, but
 *   only because the same server answered its other hellos (a close alone proves nothing).
 * Mode 'psfe' (-p -s -f -e) rather than 'psf': without -e testssl 3.0 cannot say whether
 * non-forward-secret key exchange is accepted, and lumps RC4 with DES and 3DES with IDEA.
 *
 * testssl.sh missing is a failure, not a skip: CI installs it (scripts/install-system-deps.sh).
 */
import { execFile } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { findEndpoint, loadBed, type BedDescription, type BedEndpoint } from '../bed/endpoints';
import { disagreements, scanBedEndpoint, unansweredByScan } from './compare';
import {
  requireTestssl,
  runTestssl,
  summarize,
  testsslEndpointOf,
  testsslVersion,
  type TestsslResult,
} from './testssl';

const TESTSSL_TIMEOUT_MS = 240_000;

let bed: BedDescription;
let rootCa: string;

beforeAll(() => {
  bed = loadBed();
  rootCa = readFileSync(bed.rootCaFile, 'utf8');
  requireTestssl(); // throws "testssl.sh is not installed: run scripts/install-system-deps.sh …"
});

/** One handshake with openssl s_client; true if a suite was negotiated, false if refused. */
function opensslAccepts(ep: BedEndpoint, args: readonly string[]): Promise<boolean> {
  const starttls =
    ep.security === 'starttls'
      ? ['-starttls', ep.protocol === 'submission' ? 'smtp' : ep.protocol]
      : [];
  const xmpp = ep.protocol === 'xmpp' && ep.xmppDomain ? ['-xmpphost', ep.xmppDomain] : [];
  return new Promise((resolve, reject) => {
    const child = execFile(
      'openssl',
      [
        's_client',
        '-connect',
        `${ep.host}:${String(ep.port)}`,
        '-servername',
        ep.serverName,
        ...starttls,
        ...xmpp,
        ...args,
      ],
      { timeout: 15_000, encoding: 'utf8' },
      (_err, stdout, stderr) => {
        const out = `${stdout}\n${stderr}`;
        if (/Cipher is (?!\(NONE\))\S+/.test(out)) return resolve(true);
        if (/Cipher is \(NONE\)|alert|handshake failure|wrong version/i.test(out))
          return resolve(false);
        reject(new Error(`openssl s_client ${args.join(' ')}: no verdict:\n${out.slice(-2000)}`));
      },
    );
    child.stdin?.end();
  });
}

const LEGACY = ['-cipher', 'DEFAULT:@SECLEVEL=0'];
const ANON = ['-cipher', 'aNULL:@SECLEVEL=0'];
const NULL_ENC = ['-cipher', 'eNULL:@SECLEVEL=0'];
/** Every non-forward-secret key exchange OpenSSL 3 knows (static RSA, static (EC)DH, PSK). */
const NON_FS = ['-cipher', 'kRSA:kECDHr:kECDHe:kDHr:kDHd:kPSK:kSRP:@SECLEVEL=0'];

/** Sealcheck's scan of the same endpoint agrees with testssl on every question both answer. */
async function expectScanAgrees(ep: BedEndpoint, r: TestsslResult): Promise<void> {
  const scan = await scanBedEndpoint(ep, [rootCa]);
  const summary = JSON.stringify(scan.handshakes);
  expect(disagreements(scan, r), summary).toEqual([]);
  expect(unansweredByScan(scan, r), summary).toEqual([]);
  // And it did so with a handful of connections, against testssl's hundred or more.
  expect(scan.connections).toBeLessThanOrEqual(15);
  console.info(
    `[scan] ${ep.id}: ${String(scan.connections)} connections, ${String(scan.durationMs)} ms; testssl: ${String(r.connections)} connections, ${(r.wallMs / 1000).toFixed(1)} s`,
  );
}

function report(id: string, r: TestsslResult): void {
  console.info(
    `[testssl ${testsslVersion()}] ${id}: ${summarize(r)}; ${(r.wallMs / 1000).toFixed(1)} s, ${String(r.connections)} connections`,
  );
}

describe('testssl.sh against the bed (reference for the TLS scanner)', () => {
  it(
    'postfix-submission-implicit-good: TLS 1.0–1.3, anonymous suites, forward secrecy, nothing else weak',
    async () => {
      const ep = findEndpoint(bed, 'postfix-submission-implicit-good');
      const r = await runTestssl(testsslEndpointOf(ep), {
        mode: 'psfe',
        timeoutMs: TESTSSL_TIMEOUT_MS,
      });
      report(ep.id, r);

      // Independent facts, one s_client handshake each.
      const facts = {
        tls1: await opensslAccepts(ep, ['-tls1', ...LEGACY]),
        tls11: await opensslAccepts(ep, ['-tls1_1', ...LEGACY]),
        tls12: await opensslAccepts(ep, ['-tls1_2']),
        tls13: await opensslAccepts(ep, ['-tls1_3']),
        anon: await opensslAccepts(ep, ['-tls1_2', ...ANON]),
        nullEnc: await opensslAccepts(ep, ['-tls1_2', ...NULL_ENC]),
        nonFs: await opensslAccepts(ep, ['-tls1_2', ...NON_FS]),
      };
      expect(facts).toEqual({
        tls1: true,
        tls11: true,
        tls12: true,
        tls13: true,
        anon: true,
        nullEnc: false,
        nonFs: false,
      });

      // testssl agrees with every one of them.
      expect(r.versions).toEqual({
        SSLv2: false,
        SSLv3: false, // OpenSSL 3 servers cannot speak SSL 3; testssl asks over its own sockets
        TLSv1: facts.tls1,
        'TLSv1.1': facts.tls11,
        'TLSv1.2': facts.tls12,
        'TLSv1.3': facts.tls13,
      });
      expect(r.weakFamilies.anonymous).toBe(facts.anon);
      expect(r.weakFamilies.null).toBe(facts.nullEnc);
      expect(r.forwardSecrecy).toEqual({ offered: true, nonForwardSecretAccepted: facts.nonFs });
      // Families the bed's OpenSSL 3 cannot serve at all: testssl must not see them either.
      expect(r.weakFamilies).toMatchObject({
        export: false,
        rc4: false,
        des: false,
        tripleDes: false,
      });
      // Its -e list names the anonymous suites (ADH / AECDH) it found.
      expect(r.ciphers?.some((c) => /_anon_/.test(c.iana ?? ''))).toBe(true);
      expect(r.connections).toBeGreaterThan(0);
      await expectScanAgrees(ep, r);
    },
    TESTSSL_TIMEOUT_MS + 60_000,
  );

  it(
    'postfix-smtp-starttls-tls11-only (STARTTLS): TLS 1.0/1.1 only, anonymous suites, forward secrecy',
    async () => {
      const ep = findEndpoint(bed, 'postfix-smtp-starttls-tls11-only');
      const target = testsslEndpointOf(ep);
      expect(target.starttls).toBe('smtp');
      const r = await runTestssl(target, { mode: 'psfe', timeoutMs: TESTSSL_TIMEOUT_MS });
      report(ep.id, r);

      const facts = {
        tls1: await opensslAccepts(ep, ['-tls1', ...LEGACY]),
        tls11: await opensslAccepts(ep, ['-tls1_1', ...LEGACY]),
        tls12: await opensslAccepts(ep, ['-tls1_2']),
        tls13: await opensslAccepts(ep, ['-tls1_3']),
        anon: await opensslAccepts(ep, ['-tls1_1', ...ANON]),
        nullEnc: await opensslAccepts(ep, ['-tls1_1', ...NULL_ENC]),
        nonFs: await opensslAccepts(ep, ['-tls1_1', ...NON_FS]),
      };
      expect(facts).toEqual({
        tls1: true,
        tls11: true,
        tls12: false,
        tls13: false,
        anon: true,
        nullEnc: false,
        nonFs: false,
      });

      expect(r.versions).toEqual({
        SSLv2: false,
        SSLv3: false,
        TLSv1: facts.tls1,
        'TLSv1.1': facts.tls11,
        'TLSv1.2': facts.tls12,
        'TLSv1.3': facts.tls13,
      });
      expect(r.weakFamilies.anonymous).toBe(facts.anon);
      expect(r.weakFamilies.null).toBe(facts.nullEnc);
      expect(r.forwardSecrecy).toEqual({ offered: true, nonForwardSecretAccepted: facts.nonFs });
      expect(r.weakFamilies).toMatchObject({
        export: false,
        rc4: false,
        des: false,
        tripleDes: false,
      });
      expect(r.connections).toBeGreaterThan(0);
      await expectScanAgrees(ep, r);
    },
    TESTSSL_TIMEOUT_MS + 60_000,
  );

  it(
    'dovecot-imap-starttls-good (STARTTLS): TLS 1.2/1.3 only, nothing weak, forward secrecy only',
    async () => {
      const ep = findEndpoint(bed, 'dovecot-imap-starttls-good');
      const r = await runTestssl(testsslEndpointOf(ep), {
        mode: 'psfe',
        timeoutMs: TESTSSL_TIMEOUT_MS,
      });
      report(ep.id, r);
      const facts = {
        tls1: await opensslAccepts(ep, ['-tls1', ...LEGACY]),
        tls12: await opensslAccepts(ep, ['-tls1_2']),
        tls13: await opensslAccepts(ep, ['-tls1_3']),
        anon: await opensslAccepts(ep, ['-tls1_2', ...ANON]),
        nonFs: await opensslAccepts(ep, ['-tls1_2', ...NON_FS]),
      };
      expect(facts).toEqual({ tls1: false, tls12: true, tls13: true, anon: false, nonFs: false });
      expect(r.versions).toMatchObject({
        TLSv1: facts.tls1,
        'TLSv1.2': facts.tls12,
        'TLSv1.3': facts.tls13,
      });
      expect(r.weakFamilies.anonymous).toBe(facts.anon);
      expect(r.forwardSecrecy).toEqual({ offered: true, nonForwardSecretAccepted: facts.nonFs });
      await expectScanAgrees(ep, r);
    },
    TESTSSL_TIMEOUT_MS + 60_000,
  );
});
