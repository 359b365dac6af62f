/**
 * Test-only: crafted certificates with the openssl command line (as the bed's PKI does), one
 * `openssl req -x509` per certificate, with exactly the extensions a case needs.
 * Validity starts at creation; tests move `now` instead of back-dating certificates.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface TestCert {
  readonly name: string;
  readonly pem: string;
  /** base64 DER, as in TlsFacts.peerChain. */
  readonly b64: string;
  readonly keyFile: string;
  readonly certFile: string;
}

export type TestKey = 'ec' | 'secp256k1' | 'rsa1024' | 'ed25519';

export interface TestCertOptions {
  /** e.g. "/O=Example/CN=mail.example.org" */
  readonly subject: string;
  /** Self-signed when omitted. */
  readonly issuer?: TestCert;
  readonly key?: TestKey;
  /** Extension lines for the config section, e.g. "basicConstraints = critical, CA:TRUE". */
  readonly extensions: readonly string[];
  readonly days?: number;
  readonly md?: 'sha256' | 'sha1';
  /** Reuse this certificate's key pair (for cross-signed twins) instead of a new one. */
  readonly keyFrom?: TestCert;
  /** openssl's -set_serial (e.g. "-0x1234"); by default one derived from the name. */
  readonly serial?: string;
}

const KEY_ARGS: Readonly<Record<TestKey, readonly string[]>> = {
  ec: ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256'],
  secp256k1: ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:secp256k1'],
  rsa1024: ['-newkey', 'rsa:1024'],
  ed25519: ['-newkey', 'ed25519'],
};

export const CA_EXTENSIONS = [
  'basicConstraints = critical, CA:TRUE',
  'keyUsage = critical, keyCertSign, cRLSign',
  'subjectKeyIdentifier = hash',
];

export const leafExtensions = (
  names: readonly string[],
  more: readonly string[] = [],
): string[] => [
  'basicConstraints = critical, CA:FALSE',
  'keyUsage = critical, digitalSignature',
  'extendedKeyUsage = serverAuth',
  'subjectKeyIdentifier = hash',
  'authorityKeyIdentifier = keyid',
  ...(names.length > 0 ? [`subjectAltName = ${names.join(',')}`] : []),
  ...more,
];

export function makeCert(dir: string, name: string, o: TestCertOptions): TestCert {
  const base = join(dir, name);
  const config = `${base}.cnf`;
  writeFileSync(
    config,
    `[req]\ndistinguished_name = dn\nprompt = no\n[dn]\nCN = x\n[ext]\n${o.extensions.join('\n')}\n`,
  );
  const key = o.key ?? 'ec';
  const args = [
    'req', '-x509', '-utf8', '-config', config, '-extensions', 'ext',
    ...(o.keyFrom ? ['-key', o.keyFrom.keyFile] : [...KEY_ARGS[key], '-nodes', '-keyout', `${base}.key.pem`]), '-out', `${base}.cert.pem`, '-subj', o.subject,
    '-days', String(o.days ?? 30), '-set_serial', o.serial ?? `0x${Buffer.from(name).toString('hex').slice(0, 30)}01`,
    ...(key === 'ed25519' ? [] : [`-${o.md ?? 'sha256'}`]),
    ...(o.issuer ? ['-CA', o.issuer.certFile, '-CAkey', o.issuer.keyFile] : []),
  ]; // prettier-ignore
  execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  const pem = readFileSync(`${base}.cert.pem`, 'utf8');
  const b64 = pem.replace(/-----[A-Z ]+-----|\s/g, '');
  return {
    name,
    pem,
    b64,
    keyFile: o.keyFrom?.keyFile ?? `${base}.key.pem`,
    certFile: `${base}.cert.pem`,
  };
}

/** The usual test authorities: "Example Root" (ten years) and "Example Intermediate" under it. */
export function makeExampleAuthorities(
  dir: string,
  rootOptions: Partial<TestCertOptions> = {},
): { root: TestCert; inter: TestCert } {
  const root = makeCert(dir, 'root', {
    subject: '/O=Example/CN=Example Root',
    extensions: CA_EXTENSIONS,
    days: 3650,
    ...rootOptions,
  });
  const inter = makeCert(dir, 'inter', {
    subject: '/O=Example/CN=Example Intermediate',
    issuer: root,
    extensions: [...CA_EXTENSIONS, 'authorityKeyIdentifier = keyid'],
    days: 1000,
  });
  return { root, inter };
}

/** An openssl -subj string from [type, value] pairs, in order; "/" and "\" in values escaped. */
export function subjectOf(attributes: readonly (readonly [string, string])[]): string {
  return attributes.map(([t, v]) => `/${t}=${v.replace(/[/\\]/g, (c) => `\\${c}`)}`).join('');
}
