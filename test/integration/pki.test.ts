/**
 * The test PKI (test/bed/pki.ts): each certificate case is what its name says. Generates its own
 * PKI in a temp dir, so it does not depend on the running bed.
 */
import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CertCase } from '../bed/endpoints';
import { generatePki } from '../bed/pki';
import type { Pki } from '../bed/types';

const run = promisify(execFile);
let dir: string;
let pki: Pki;
let generationMs: number;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sealcheck-pki-test-'));
  const t = Date.now();
  pki = await generatePki(dir);
  generationMs = Date.now() - t;
});

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

const cert = async (file: string): Promise<X509Certificate> =>
  new X509Certificate(await readFile(file));
const leaf = (c: CertCase): Promise<X509Certificate> => cert(pki.cases[c].certFile);

/** `openssl verify` against the test root, with the intermediate as untrusted helper. */
async function opensslVerify(file: string, withIntermediate = true): Promise<string> {
  const args = ['verify', '-CAfile', pki.rootCaFile];
  if (withIntermediate) args.push('-untrusted', pki.intermediateCaFile);
  args.push(file);
  try {
    const { stdout } = await run('openssl', args);
    return stdout.trim().endsWith(': OK') ? 'OK' : stdout;
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string };
    return `${e.stdout ?? ''}${e.stderr ?? ''}`;
  }
}

function pemBlocks(text: string): string[] {
  return text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
}

describe('test PKI', () => {
  it('is generated quickly', () => {
    expect(generationMs).toBeLessThan(3000);
  });

  it('root → intermediate → good leaf verifies, with the right names and extensions', async () => {
    const root = await cert(pki.rootCaFile);
    const inter = await cert(pki.intermediateCaFile);
    const good = await leaf('good');
    expect(root.ca).toBe(true);
    expect(root.checkIssued(root)).toBe(true);
    expect(inter.ca).toBe(true);
    expect(inter.checkIssued(root)).toBe(true);
    expect(inter.verify(root.publicKey)).toBe(true);
    expect(good.ca).toBe(false);
    expect(good.checkIssued(inter)).toBe(true);
    expect(good.verify(inter.publicKey)).toBe(true);
    expect(good.checkHost('mail.test.example')).toBe('mail.test.example');
    expect(good.checkHost('test.example')).toBe('test.example');
    expect(good.keyUsage).toContain('1.3.6.1.5.5.7.3.1'); // EKU serverAuth
    expect(good.subjectAltName).toMatch(/XmppAddr/i);
    expect(await opensslVerify(pki.cases.good.certFile)).toBe('OK');
    // Without the intermediate the leaf alone does not verify.
    expect(await opensslVerify(pki.cases.good.certFile, false)).not.toBe('OK');
    expect(good.checkPrivateKey(await importKey(pki.cases.good.keyFile))).toBe(true);
  });

  it('serves leaf + intermediate in chain files, the leaf alone where the case says so', async () => {
    const count = async (c: CertCase): Promise<number> =>
      pemBlocks(await readFile(pki.cases[c].chainFile, 'utf8')).length;
    for (const c of [
      'good',
      'expired',
      'not-yet-valid',
      'wrong-host',
      'rsa1024',
      'sha1',
    ] as const) {
      expect(await count(c), c).toBe(2);
    }
    expect(await count('self-signed')).toBe(1);
    expect(await count('no-intermediate')).toBe(1);
  });

  it('expired and not-yet-valid have the intended dates', async () => {
    const now = Date.now();
    const expired = await leaf('expired');
    expect(expired.validToDate.getTime()).toBeLessThan(now);
    expect(await opensslVerify(pki.cases.expired.certFile)).toMatch(/expired/);
    const future = await leaf('not-yet-valid');
    expect(future.validFromDate.getTime()).toBeGreaterThan(now);
    expect(await opensslVerify(pki.cases['not-yet-valid'].certFile)).toMatch(/not yet valid/);
  });

  it('self-signed: issuer is the subject', async () => {
    const self = await leaf('self-signed');
    expect(self.issuer).toBe(self.subject);
    expect(self.verify(self.publicKey)).toBe(true);
    expect(self.checkHost('mail.test.example')).toBe('mail.test.example');
    expect(await opensslVerify(pki.cases['self-signed'].certFile)).toMatch(/self-signed/);
  });

  it('wrong-host: a valid chain for other.test.example only', async () => {
    const wrong = await leaf('wrong-host');
    expect(wrong.checkHost('mail.test.example')).toBeUndefined();
    expect(wrong.checkHost('other.test.example')).toBe('other.test.example');
    expect(wrong.subjectAltName).not.toContain('mail.test.example');
    expect(await opensslVerify(pki.cases['wrong-host'].certFile)).toBe('OK');
  });

  it('rsa1024: a 1024-bit RSA key', async () => {
    const weak = await leaf('rsa1024');
    expect(weak.publicKey.asymmetricKeyType).toBe('rsa');
    expect(weak.publicKey.asymmetricKeyDetails?.modulusLength).toBe(1024);
  });

  it('sha1: signed with SHA-1', async () => {
    const sha1 = await leaf('sha1');
    expect(sha1.signatureAlgorithm).toMatch(/sha1/i);
    expect((await leaf('good')).signatureAlgorithm).toMatch(/sha256/i);
  });

  it('no-intermediate: a good leaf that verifies once the intermediate is known', async () => {
    expect(await opensslVerify(pki.cases['no-intermediate'].certFile)).toBe('OK');
    expect(await opensslVerify(pki.cases['no-intermediate'].chainFile, false)).not.toBe('OK');
  });

  it('ships the RFC 7919 ffdhe2048 group and a legacy OpenSSL config', async () => {
    const { stdout } = await run('openssl', [
      'dhparam',
      '-in',
      pki.dhParamsFile,
      '-noout',
      '-text',
    ]);
    expect(stdout).toMatch(/ffdhe2048/);
    await run('openssl', ['dhparam', '-in', pki.dhParamsFile, '-check', '-noout']);
    const conf = await readFile(pki.legacyOpensslConf, 'utf8');
    expect(conf).toMatch(/SECLEVEL=0/);
    expect(conf).toMatch(/MinProtocol = TLSv1\b/);
  });
});

async function importKey(file: string) {
  const { createPrivateKey } = await import('node:crypto');
  return createPrivateKey(await readFile(file));
}
