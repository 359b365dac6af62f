/**
 * The bed's test PKI, generated with the openssl command line at test time:
 * root CA → intermediate CA → one leaf per certificate case (see CertCase).
 *
 * Everything here is a throwaway for one bed run. Keys are written world-readable
 * (0644, in a 0755 directory inside the bed's private temp dir) so that servers
 * running as their own users (Prosody, Dovecot's login processes) can read them.
 */
import { execFile } from 'node:child_process';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { CertCase } from './endpoints';
import type { CertFiles, Pki } from './types';

const run = promisify(execFile);

/** RFC 7919 ffdhe2048 as PKCS#3 DHparams (p, g = 2): a fixed public constant, not generated. */
const FFDHE2048_PEM = `-----BEGIN DH PARAMETERS-----
MIIBCAKCAQEA//////////+t+FRYortKmq/cViAnPTzx2LnFg84tNpWp4TZBFGQz
+8yTnc4kmz75fS/jY2MMddj2gbICrsRhetPfHtXV/WVhJDP1H18GbtCFY2VVPe0a
87VXE15/V8k1mE8McODmi3fipona8+/och3xWKE2rec1MKzKT0g6eXq8CrGCsyT7
YdEIqUuyyOP7uWrat2DX9GgdT0Kj3jlN9K5W7edjcrsZCwenyO4KbXCeAvzhzffi
7MA0BM0oNC9hkXL+nOmFg/+OTxIy7vKBg8P+OxtMb61zO7X8vC7CIAXFjvGDfRaD
ssbzSibBsu/6iGtCOGEoXJf//////////wIBAg==
-----END DH PARAMETERS-----
`;

/** For servers hosting old-algorithm cases: security level 0 and TLS 1.0 allowed. Use as OPENSSL_CONF. */
const LEGACY_OPENSSL_CONF = `# Sealcheck test bed: lets a server load 1024-bit RSA / SHA-1 certificates and speak TLS 1.0/1.1.
openssl_conf = openssl_init

[openssl_init]
ssl_conf = ssl_sect

[ssl_sect]
system_default = system_default_sect

[system_default_sect]
CipherString = DEFAULT:@SECLEVEL=0
MinProtocol = TLSv1
`;

const GOOD_NAMES = ['mail.test.example', 'test.example'];
const WRONG_NAMES = ['other.test.example'];

/** Config for `openssl req` and `openssl ca`; the database lives in $ENV::CA_DB so signings can run in parallel. */
function opensslConfig(): string {
  const san = (names: readonly string[], xmpp: boolean): string => {
    const parts = names.map((n) => `DNS:${n}`);
    if (xmpp) {
      // id-on-xmppAddr (RFC 6120) and id-on-dnsSRV (RFC 4985) for the XMPP domain.
      parts.push('otherName:1.3.6.1.5.5.7.8.5;UTF8:test.example');
      parts.push('otherName:1.3.6.1.5.5.7.8.7;IA5STRING:_xmpp-client.test.example');
    }
    return parts.join(',');
  };
  const leaf = (keyUsage: string, names: readonly string[], xmpp: boolean): string =>
    [
      'basicConstraints = critical, CA:FALSE',
      `keyUsage = critical, ${keyUsage}`,
      'extendedKeyUsage = serverAuth',
      'subjectKeyIdentifier = hash',
      'authorityKeyIdentifier = keyid:always',
      `subjectAltName = ${san(names, xmpp)}`,
    ].join('\n');
  return `# Sealcheck test PKI (generated per bed run)
[req]
distinguished_name = req_dn
prompt = no
[req_dn]
CN = placeholder

[ca]
default_ca = bed_ca

[bed_ca]
database = $ENV::CA_DB/index.txt
new_certs_dir = $ENV::CA_DB
rand_serial = yes
default_md = sha256
policy = bed_policy
unique_subject = no
copy_extensions = none
email_in_dn = no

[bed_policy]
organizationName = optional
commonName = supplied

[v3_root]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash

[v3_intermediate]
basicConstraints = critical, CA:TRUE, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always

[v3_leaf_ec]
${leaf('digitalSignature', GOOD_NAMES, true)}

[v3_leaf_rsa]
${leaf('digitalSignature, keyEncipherment', GOOD_NAMES, true)}

[v3_leaf_wrong_host]
${leaf('digitalSignature', WRONG_NAMES, false)}

[v3_self_signed]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
subjectAltName = ${san(GOOD_NAMES, true)}
`;
}

const DAY = 86_400_000;

/** openssl ca date: YYYYMMDDHHMMSSZ (stored as UTCTime before 2050). */
function caDate(offsetDays: number, now: number): string {
  return new Date(now + offsetDays * DAY)
    .toISOString()
    .replace(/[-:T]/g, '')
    .replace(/\.\d+Z$/, 'Z');
}

interface LeafPlan {
  readonly name: CertCase;
  readonly cn: string;
  readonly key: 'ec' | 'rsa1024';
  readonly extensions: string;
  /** Days relative to now. */
  readonly from: number;
  readonly to: number;
  readonly md: 'sha256' | 'sha1';
  readonly selfSigned: boolean;
  readonly withIntermediate: boolean;
}

const LEAVES: readonly LeafPlan[] = [
  leafPlan('good', {}),
  leafPlan('expired', { from: -400, to: -30 }),
  leafPlan('not-yet-valid', { from: 30, to: 400 }),
  leafPlan('self-signed', {
    selfSigned: true,
    withIntermediate: false,
    extensions: 'v3_self_signed',
  }),
  leafPlan('wrong-host', { cn: 'other.test.example', extensions: 'v3_leaf_wrong_host' }),
  leafPlan('rsa1024', { key: 'rsa1024', extensions: 'v3_leaf_rsa' }),
  leafPlan('sha1', { md: 'sha1' }),
  leafPlan('no-intermediate', { withIntermediate: false }),
];

function leafPlan(name: CertCase, o: Partial<Omit<LeafPlan, 'name'>>): LeafPlan {
  return {
    name,
    cn: 'mail.test.example',
    key: 'ec',
    extensions: 'v3_leaf_ec',
    from: -1,
    to: 365,
    md: 'sha256',
    selfSigned: false,
    withIntermediate: true,
    ...o,
  };
}

const ORG = 'Sealcheck Test';

/** Generates the whole PKI into `dir` (created if missing). Takes a few hundred milliseconds. */
export async function generatePki(dir: string): Promise<Pki> {
  const now = Date.now();
  const work = join(dir, 'work');
  await mkdir(work, { recursive: true });
  await chmod(dir, 0o755);
  const configFile = join(work, 'openssl-ca.cnf');
  await writeFile(configFile, opensslConfig());

  const openssl = async (
    args: readonly string[],
    env: Record<string, string> = {},
  ): Promise<void> => {
    try {
      await run('openssl', args, { env: { ...process.env, CA_DB: work, ...env }, timeout: 20_000 });
    } catch (err) {
      const e = err as Error & { stderr?: string };
      throw new Error(`openssl ${args.join(' ')} failed: ${e.stderr ?? e.message}`);
    }
  };
  const newKeyArgs = (key: 'ec' | 'rsa1024'): string[] =>
    key === 'ec'
      ? ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256']
      : ['-newkey', 'rsa:1024'];
  /** Key + certificate request in one go. */
  const request = (base: string, key: 'ec' | 'rsa1024', cn: string): Promise<void> =>
    openssl([
      'req', '-new', '-config', configFile, ...newKeyArgs(key), '-nodes',
      '-keyout', `${base}.key.pem`, '-out', `${base}.csr`, '-subj', `/O=${ORG}/CN=${cn}`,
    ]); // prettier-ignore
  /** Signs a request with `openssl ca` in its own database directory (so signings can run in parallel). */
  const sign = async (o: {
    readonly base: string;
    readonly out: string;
    readonly extensions: string;
    readonly from: number;
    readonly to: number;
    readonly md: string;
    readonly issuer: { cert: string; key: string } | 'self';
  }): Promise<void> => {
    const db = `${o.base}.db`;
    await mkdir(db, { recursive: true });
    await writeFile(join(db, 'index.txt'), '');
    const issuerArgs =
      o.issuer === 'self'
        ? ['-selfsign', '-keyfile', `${o.base}.key.pem`]
        : ['-cert', o.issuer.cert, '-keyfile', o.issuer.key];
    await openssl(
      [
        'ca', '-batch', '-config', configFile, '-notext', '-preserveDN', ...issuerArgs,
        '-in', `${o.base}.csr`, '-out', o.out, '-extensions', o.extensions, '-md', o.md,
        '-startdate', caDate(o.from, now), '-enddate', caDate(o.to, now),
      ], // prettier-ignore
      { CA_DB: db },
    );
  };

  const rootBase = join(work, 'root');
  const interBase = join(work, 'intermediate');
  const rootCaFile = join(dir, 'root-ca.pem');
  const intermediateCaFile = join(dir, 'intermediate-ca.pem');
  const rootKey = `${rootBase}.key.pem`;
  const interKey = `${interBase}.key.pem`;

  // Round 1: every key and request at once.
  await Promise.all([
    request(rootBase, 'ec', 'Sealcheck Test Root CA'),
    request(interBase, 'ec', 'Sealcheck Test Intermediate CA'),
    ...LEAVES.map((l) => request(join(work, l.name), l.key, l.cn)),
  ]);
  // Round 2: root (self-signed) and the self-signed leaf; round 3: intermediate; round 4: the other leaves.
  const selfSigned = LEAVES.filter((l) => l.selfSigned);
  const issued = LEAVES.filter((l) => !l.selfSigned);
  const signLeaf = (l: LeafPlan, issuer: { cert: string; key: string } | 'self'): Promise<void> =>
    sign({
      base: join(work, l.name),
      out: join(dir, `${l.name}.cert.pem`),
      extensions: l.extensions,
      from: l.from,
      to: l.to,
      md: l.md,
      issuer,
    });
  await Promise.all([
    sign({
      base: rootBase,
      out: rootCaFile,
      extensions: 'v3_root',
      from: -1000,
      to: 3650,
      md: 'sha256',
      issuer: 'self',
    }),
    ...selfSigned.map((l) => signLeaf(l, 'self')),
  ]);
  await sign({
    base: interBase,
    out: intermediateCaFile,
    extensions: 'v3_intermediate',
    from: -800,
    to: 1825,
    md: 'sha256',
    issuer: { cert: rootCaFile, key: rootKey },
  });
  await Promise.all(issued.map((l) => signLeaf(l, { cert: intermediateCaFile, key: interKey })));

  // Final files: key next to the certificate, and the chain the server sends.
  const intermediatePem = await readFile(intermediateCaFile, 'utf8');
  const cases = {} as Record<CertCase, CertFiles>;
  await Promise.all(
    LEAVES.map(async (l) => {
      const certFile = join(dir, `${l.name}.cert.pem`);
      const keyFile = join(dir, `${l.name}.key.pem`);
      const chainFile = join(dir, `${l.name}.chain.pem`);
      const leafPem = await readFile(certFile, 'utf8');
      await writeFile(keyFile, await readFile(join(work, `${l.name}.key.pem`)));
      await writeFile(chainFile, l.withIntermediate ? leafPem + intermediatePem : leafPem);
      await Promise.all([chmod(certFile, 0o644), chmod(keyFile, 0o644), chmod(chainFile, 0o644)]);
      cases[l.name] = { certFile, keyFile, chainFile };
    }),
  );

  const dhParamsFile = join(dir, 'ffdhe2048.pem');
  const legacyOpensslConf = join(dir, 'openssl-legacy.cnf');
  await Promise.all([
    writeFile(dhParamsFile, FFDHE2048_PEM, { mode: 0o644 }),
    writeFile(legacyOpensslConf, LEGACY_OPENSSL_CONF, { mode: 0o644 }),
    chmod(rootCaFile, 0o644),
    chmod(intermediateCaFile, 0o644),
  ]);
  return { dir, rootCaFile, intermediateCaFile, cases, dhParamsFile, legacyOpensslConf };
}
