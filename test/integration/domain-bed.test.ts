/**
 * The domain check against real parts: knot serving a signed root, signed, unsigned and bogus
 * zones, unbound validating them (the AD bit really set or not), an HTTPS server on loopback
 * serving MTA-STS policies with its own certificate, and the bed's Postfix instances as the MX
 * hosts (reached through connect-to rules, names kept). Every case of issue 9 is a domain here,
 * judged with the public roots plus the bed's root.
 */
import { X509Certificate, createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultTrustStores, type TrustStores } from '../../app/core/cert';
import { checkDomain, type DomainCheckOptions } from '../../app/core/domain/check';
import { judgeDomain, type DomainJudgement } from '../../app/core/domain/judge';
import type { ConnectToRule } from '../../app/core/net/resolve';
import { probeEndpoint } from '../../app/core/probe';
import { main } from '../../app/cli';
import { bedLookup, findEndpoint, loadBed, targetOf, type BedDescription } from '../bed/endpoints';
import { startDnsBed, type DnsBed } from '../bed/dns';
import { startHttpsServer, type TestHttpsServer } from '../support/https-server';

let bed: BedDescription;
let rootCa: string;
let trust: TrustStores;
let dns: DnsBed;
let https: TestHttpsServer;
let blackhole: { port: number; stop: () => void };
let options: DomainCheckOptions;

/** MTA-STS policies served per Host; absent hosts get a 404. */
const POLICIES: Record<
  string,
  { status?: number; type?: string; body: string; location?: string }
> = {
  'mta-sts.enforce.plain.example': {
    body: 'version: STSv1\nmode: enforce\nmx: mail.test.example\nmax_age: 604800\n',
  },
  'mta-sts.wildcard.plain.example': {
    body: 'version: STSv1\nmode: enforce\nmx: *.test.example\nmax_age: 604800\n',
  },
  'mta-sts.testing.plain.example': {
    body: 'version: STSv1\nmode: testing\nmx: mail.test.example\nmax_age: 86400\n',
  },
  'mta-sts.mismatch.plain.example': {
    body: 'version: STSv1\nmode: enforce\nmx: *.elsewhere.example\nmax_age: 604800\n',
  },
  'mta-sts.badcert.plain.example': {
    body: 'version: STSv1\nmode: enforce\nmx: wrong.test.example\nmax_age: 604800\n',
  },
  'mta-sts.syntax.plain.example': {
    body: 'version: STSv1\nmode: enforce\nmx: mail.test.example\n',
  },
  'mta-sts.redirect.plain.example': {
    status: 301,
    body: '',
    location: 'https://mta-sts.enforce.plain.example/.well-known/mta-sts.txt',
  },
  'mta-sts.html.plain.example': {
    type: 'text/html',
    body: '<html>version: STSv1</html>',
  },
};

/** A TCP listener whose accept queue is full: further connection attempts time out. */
async function startBlackhole(): Promise<{ port: number; stop: () => void }> {
  const child: ChildProcess = spawn(
    'python3',
    [
      '-c',
      [
        'import socket, sys, time',
        's = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(0)',
        'port = s.getsockname()[1]',
        // Fill the queue from inside: nobody ever accepts.
        'fill = [socket.create_connection(("127.0.0.1", port), timeout=5)]',
        'extra = socket.socket(); extra.setblocking(False); extra.connect_ex(("127.0.0.1", port))',
        'print(port, flush=True)',
        'sys.stdin.read()',
      ].join('\n'),
    ],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  );
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout?.once('data', (d: Buffer) => resolve(Number(d.toString().trim())));
    child.once('error', reject);
  });
  return { port, stop: () => child.kill('SIGKILL') };
}

function rule(host: string, port: number): ConnectToRule {
  return { host, port: 25, toHost: '127.0.0.1', toPort: port };
}

function tlsaOf(certB64: string): string {
  const spki = new X509Certificate(Buffer.from(certB64, 'base64')).publicKey.export({
    type: 'spki',
    format: 'der',
  });
  return createHash('sha256').update(spki).digest('hex');
}

/** The zone records of one MTA-STS case under plain.example. */
function stsCase(name: string, mx: string, record = 'v=STSv1; id=20261203'): string[] {
  return [
    `${name} MX 10 ${mx}.`,
    `_mta-sts.${name} TXT "${record}"`,
    `mta-sts.${name} A 127.0.0.1`,
    `_smtp._tls.${name} TXT "v=TLSRPTv1; rua=mailto:tls-reports@${name}.plain.example"`,
  ];
}

beforeAll(async () => {
  bed = loadBed();
  rootCa = readFileSync(bed.rootCaFile, 'utf8');
  trust = defaultTrustStores([rootCa]);
  const good = findEndpoint(bed, 'postfix-smtp-starttls-good');
  const probe = await probeEndpoint(targetOf(good), {
    lookup: bedLookup,
    extraCa: [rootCa],
    scan: 'off',
    injectionTest: false,
  });
  const leaf = probe.addresses[0]?.tls?.peerChain[0];
  if (!leaf) throw new Error('the bed Postfix sent no certificate');
  const goodTlsa = `3 1 1 ${tlsaOf(leaf)}`;
  const wrongTlsa = `3 1 1 ${'00'.repeat(32)}`;

  dns = await startDnsBed({
    zones: [
      {
        name: 'test.example',
        signing: 'unsigned',
        records: ['mail A 127.0.0.1', 'wrong A 127.0.0.1', 'plain A 127.0.0.1', 'hole A 127.0.0.1'],
      },
      {
        name: 'plain.example',
        signing: 'unsigned',
        records: [
          'nopolicy MX 10 mail.test.example.',
          ...stsCase('enforce', 'mail.test.example'),
          ...stsCase('wildcard', 'mail.test.example'),
          ...stsCase('testing', 'mail.test.example'),
          ...stsCase('mismatch', 'mail.test.example'),
          ...stsCase('badcert', 'wrong.test.example'),
          ...stsCase('syntax', 'mail.test.example'),
          ...stsCase('redirect', 'mail.test.example'),
          ...stsCase('html', 'mail.test.example'),
          ...stsCase('badrecord', 'mail.test.example', 'v=STSv1; id=not valid!'),
          ...stsCase('wrongname', 'mail.test.example'),
          'cleartext MX 10 plain.test.example.',
          'blocked MX 10 hole.test.example.',
          'nullmx MX 0 .',
          'implicit A 127.0.0.1',
          'unsigneddane MX 10 mx.unsigneddane',
          'mx.unsigneddane A 127.0.0.1',
          `_25._tcp.mx.unsigneddane TLSA ${goodTlsa}`,
        ],
      },
      {
        name: 'signed.example',
        signing: 'signed',
        records: [
          'ok MX 10 mx.ok',
          'mx.ok A 127.0.0.1',
          `_25._tcp.mx.ok TLSA ${goodTlsa}`,
          'bad MX 10 mx.bad',
          'mx.bad A 127.0.0.1',
          `_25._tcp.mx.bad TLSA ${wrongTlsa}`,
          'two MX 10 mx.ok',
          'two MX 20 mx2.ok',
          'mx2.ok A 127.0.0.1',
          `_25._tcp.mx2.ok TLSA ${goodTlsa}`,
          'nodane MX 10 mx.nodane',
          'mx.nodane A 127.0.0.1',
          'bogusmx MX 10 mx.broken.example.',
        ],
      },
      {
        name: 'broken.example',
        signing: 'bogus',
        records: ['mx A 127.0.0.1', `_25._tcp.mx TLSA ${goodTlsa}`],
      },
    ],
  });

  // One certificate for every policy host but mta-sts.wrongname.plain.example.
  https = await startHttpsServer(
    Object.keys(POLICIES).concat(['mta-sts.badrecord.plain.example']),
    {
      '/.well-known/mta-sts.txt': (req, res) => {
        const host = (req.headers.host ?? '').replace(/:\d+$/, '');
        const p = POLICIES[host];
        if (!p) {
          res.statusCode = 404;
          res.end('no policy here');
          return;
        }
        res.statusCode = p.status ?? 200;
        if (p.location) res.setHeader('location', p.location);
        res.setHeader('content-type', p.type ?? 'text/plain; charset=utf-8');
        res.end(p.body);
      },
    },
  );
  blackhole = await startBlackhole();

  const postfix = (id: string): number => findEndpoint(bed, id).port;
  options = {
    dnsServers: [dns.resolver],
    httpsPort: https.port,
    extraCa: [rootCa, https.ca],
    scan: 'off',
    probeTimeoutMs: 8_000,
    probeTimeouts: { connect: 1_000 },
    connectTo: [
      rule('mail.test.example', postfix('postfix-smtp-starttls-good')),
      // The good certificate is for mail.test.example: under this name it does not match.
      rule('wrong.test.example', postfix('postfix-smtp-starttls-good')),
      rule('plain.test.example', postfix('postfix-smtp-none')),
      rule('hole.test.example', blackhole.port),
      rule('implicit.plain.example', postfix('postfix-smtp-starttls-good')),
      rule('mx.unsigneddane.plain.example', postfix('postfix-smtp-starttls-good')),
      rule('mx.ok.signed.example', postfix('postfix-smtp-starttls-good')),
      rule('mx2.ok.signed.example', postfix('postfix-smtp-starttls-good')),
      rule('mx.bad.signed.example', postfix('postfix-smtp-starttls-good')),
      rule('mx.nodane.signed.example', postfix('postfix-smtp-starttls-good')),
    ],
  };
}, 120_000);

afterAll(async () => {
  blackhole?.stop();
  await https?.close();
  await dns?.stop();
});

async function judged(
  domain: string,
  extra: Partial<DomainCheckOptions> = {},
): Promise<DomainJudgement> {
  const facts = await checkDomain(domain, { ...options, ...extra });
  return judgeDomain(facts, { trust });
}

/** "severity:id@host" of every finding. */
function ids(j: DomainJudgement): string[] {
  return j.findings.map(
    (f) => `${f.severity}:${f.id}${f.subject.host ? `@${f.subject.host}` : ''}`,
  );
}

describe('MTA-STS', () => {
  it('no policy: encrypted, but nothing forbids falling back to plain text', async () => {
    const j = await judged('nopolicy.plain.example');
    expect(j.verdict).toBe('downgrade-possible');
    expect(ids(j)).toContain('warning:mta-sts.missing');
    expect(ids(j)).toContain('info:tls-rpt.missing');
    expect(ids(j)).toContain('info:dane.unsigned');
    expect(j.hosts[0]?.state).toBe('tls');
    expect(j.hosts[0]?.certificateVerified).toBe(true);
  }, 30_000);

  it('enforce with a matching MX and a valid certificate: protected', async () => {
    const j = await judged('enforce.plain.example');
    expect(j.stsMode).toBe('enforce');
    expect(j.verdict).toBe('protected');
    expect(j.findings.filter((f) => f.severity !== 'info')).toEqual([]);
    expect(j.hosts[0]?.listedInPolicy).toBe(true);
    expect(https.requests).toContainEqual(
      expect.stringMatching(
        /^mta-sts\.enforce\.plain\.example(:\d+)? \/\.well-known\/mta-sts\.txt$/,
      ),
    );
  }, 30_000);

  it('enforce with a wildcard pattern matches one label', async () => {
    const j = await judged('wildcard.plain.example');
    expect(j.verdict).toBe('protected');
  }, 30_000);

  it('enforce with a mismatching MX: careful senders refuse the host', async () => {
    const j = await judged('mismatch.plain.example');
    expect(j.verdict).toBe('delivery-at-risk');
    expect(ids(j)).toContain('critical:mta-sts.mx-not-listed@mail.test.example');
  }, 30_000);

  it('enforce with an MX whose certificate is for another name', async () => {
    const j = await judged('badcert.plain.example');
    expect(j.verdict).toBe('delivery-at-risk');
    const f = j.findings.find((x) => x.id === 'mta-sts.mx-fails-policy');
    expect(f?.severity).toBe('critical');
    expect(f?.evidence).toMatchObject({ reason: 'certificate', problems: ['cert.name-mismatch'] });
  }, 30_000);

  it('testing mode: reported, not enforced', async () => {
    const j = await judged('testing.plain.example');
    expect(j.verdict).toBe('downgrade-possible');
    expect(ids(j)).toEqual(
      expect.arrayContaining(['warning:mta-sts.testing', 'warning:mta-sts.missing']),
    );
    expect(ids(j)).not.toContain('info:tls-rpt.missing');
  }, 30_000);

  it('bad policy syntax: the policy does not count', async () => {
    const j = await judged('syntax.plain.example');
    const f = j.findings.find((x) => x.id === 'mta-sts.policy-invalid');
    expect(f?.evidence).toMatchObject({ problems: ['it has no "max_age" line'] });
    expect(j.verdict).toBe('downgrade-possible');
  }, 30_000);

  it('a broken record, a redirect, HTML and a certificate for another name: no policy', async () => {
    const [record, redirect, html, wrongname] = await Promise.all([
      judged('badrecord.plain.example'),
      judged('redirect.plain.example'),
      judged('html.plain.example'),
      judged('wrongname.plain.example'),
    ]);
    expect(ids(record)).toContain('warning:mta-sts.record-invalid');
    const kind = (j: DomainJudgement): unknown =>
      j.findings.find((f) => f.id === 'mta-sts.policy-unavailable')?.evidence;
    expect(kind(redirect)).toMatchObject({ kind: 'redirect' });
    expect(kind(html)).toMatchObject({ kind: 'content-type' });
    expect(kind(wrongname)).toMatchObject({ kind: 'certificate' });
    for (const j of [record, redirect, html, wrongname])
      expect(j.verdict).toBe('downgrade-possible');
  }, 30_000);
});

describe('MX hosts', () => {
  it('an MX without STARTTLS: mail arrives as plain text', async () => {
    const j = await judged('cleartext.plain.example');
    expect(j.verdict).toBe('plaintext');
    expect(ids(j)).toContain('critical:mx.no-starttls@plain.test.example');
  }, 30_000);

  it('null MX: the domain takes no mail', async () => {
    const j = await judged('nullmx.plain.example');
    expect(j.verdict).toBe('no-mail');
    expect(j.hosts).toEqual([]);
    expect(ids(j)).toEqual(['info:domain.no-mail']);
  }, 30_000);

  it('no MX: the domain itself is the mail server (RFC 5321 §5.1)', async () => {
    const j = await judged('implicit.plain.example');
    expect(j.facts.mx.implicit).toBe(true);
    expect(j.hosts.map((h) => h.host)).toEqual(['implicit.plain.example']);
    expect(j.hosts[0]?.state).toBe('tls');
  }, 30_000);

  it('a domain that does not exist', async () => {
    const j = await judged('absent.plain.example');
    expect(j.verdict).toBe('could-not-check');
    expect(j.findings.find((f) => f.id === 'domain.dns-failed')?.evidence).toMatchObject({
      outcome: 'nxdomain',
    });
  }, 30_000);

  it('every MX timing out on port 25 is a blocked port here, never "no STARTTLS"', async () => {
    const j = await judged('blocked.plain.example');
    expect(j.verdict).toBe('could-not-check');
    expect(ids(j)).toContain('warning:mx.port25-blocked');
    expect(ids(j).some((i) => i.includes('no-starttls'))).toBe(false);
  }, 30_000);
});

describe('DANE', () => {
  it('signed TLSA matching the certificate: protected by DANE', async () => {
    const j = await judged('ok.signed.example');
    expect(j.facts.resolver.validates).toBe(true);
    expect(j.facts.mx.dnssec).toBe('secure');
    expect(j.hosts[0]?.dane).toBe('valid');
    expect(ids(j)).toContain('info:dane.valid@mx.ok.signed.example');
    expect(ids(j)).not.toContain('warning:mta-sts.missing');
    expect(j.verdict).toBe('protected');
  }, 30_000);

  it('signed TLSA not matching: DANE senders hold mail back', async () => {
    const j = await judged('bad.signed.example');
    expect(j.hosts[0]?.dane).toBe('mismatch');
    expect(ids(j)).toContain('critical:dane.mismatch@mx.bad.signed.example');
    expect(j.verdict).toBe('delivery-at-risk');
  }, 30_000);

  it('a signed zone without TLSA: no DANE, and not called unsigned', async () => {
    const j = await judged('nodane.signed.example');
    expect(j.hosts[0]?.dane).toBe('none');
    expect(ids(j)).not.toContain('info:dane.unsigned');
    expect(j.verdict).toBe('downgrade-possible');
  }, 30_000);

  it('TLSA in an unsigned zone: published, but not counted', async () => {
    const j = await judged('unsigneddane.plain.example');
    expect(j.hosts[0]?.dane).toBe('not-counted');
    expect(j.findings.find((f) => f.id === 'dane.not-counted')?.evidence).toMatchObject({
      why: 'tlsa-insecure',
    });
    expect(j.verdict).toBe('downgrade-possible');
  }, 30_000);

  it('a bogus zone: SERVFAIL, told apart from unsigned', async () => {
    const j = await judged('bogusmx.signed.example');
    expect(j.facts.hosts[0]?.tlsa?.dnssec).toBe('bogus');
    expect(ids(j)).toContain('critical:dane.bogus@mx.broken.example');
    expect(j.verdict).toBe('delivery-at-risk');
  }, 30_000);

  it('a resolver whose AD bit does not count: cannot tell, never unsigned or unprotected', async () => {
    const { createDomainResolver } = await import('../../app/core/dns/resolver');
    // The same server, as if a network had handed it out: its AD bit must not count.
    const resolver = createDomainResolver({ servers: [dns.resolver], adTrusted: false });
    const j = await judged('ok.signed.example', { resolver });
    expect(j.facts.mx.dnssec).toBe('unknown');
    expect(j.hosts[0]?.dane).toBe('unknown');
    expect(j.findings.find((f) => f.id === 'dane.cannot-tell')?.evidence).toMatchObject({
      reason: 'untrusted-resolver',
    });
    expect(ids(j).some((i) => /dane\.(unsigned|valid)|mta-sts\.missing/.test(i))).toBe(false);
    expect(j.verdict).toBe('could-not-check');
  }, 30_000);

  it('one domain with two MX hosts, fully scanned, in under a second on loopback', async () => {
    const start = performance.now();
    const facts = await checkDomain('two.signed.example', { ...options, scan: 'default' });
    const ms = performance.now() - start;
    const j = judgeDomain(facts, { trust });
    expect(j.hosts.map((h) => h.host)).toEqual(['mx.ok.signed.example', 'mx2.ok.signed.example']);
    expect(j.verdict).toBe('protected');
    // The budget itself is measured in npm run bench; this only guards against a stall.
    expect(ms).toBeLessThan(10_000);
  }, 30_000);
});

describe('sealcheck domain', () => {
  function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
    let out = '';
    let err = '';
    const io = { stdout: (t: string) => void (out += t), stderr: (t: string) => void (err += t) };
    return main(args, { io }).then((code) => ({ code, out, err }));
  }
  const common = (timeout = '8'): string[] => [
    '--resolver',
    dns.resolver,
    '--https-port',
    String(https.port),
    '--no-scan',
    '--timeout',
    timeout,
    ...(options.connectTo ?? []).flatMap((r) => [
      '--connect-to',
      `${r.host}:25:${r.toHost}:${r.toPort}`,
    ]),
  ];

  it('prints the verdict first and exits 1 for a mismatching policy', async () => {
    const caFile = `${process.env.TMPDIR ?? '/tmp'}/sealcheck-domain-ca-${process.pid}.pem`;
    const { writeFileSync, rmSync } = await import('node:fs');
    writeFileSync(caFile, `${rootCa}\n${https.ca}`);
    try {
      const r = await cli(['domain', 'mismatch.plain.example', ...common(), '--ca-file', caFile]);
      expect(r.err).toBe('');
      expect(r.code).toBe(1);
      const lines = r.out.split('\n');
      if (process.env.SHOW_CLI) console.log(r.out);
      expect(lines[0]).toBe('Mail to mismatch.plain.example');
      expect(lines[1]).toContain('Mail may be held back');
      expect(r.out).toContain('mail.test.example is missing from the MTA-STS rule');
      const ok = await cli([
        'domain',
        'enforce.plain.example',
        ...common(),
        '--ca-file',
        caFile,
        '--json',
      ]);
      expect(ok.code).toBe(0);
      const json = JSON.parse(ok.out) as { domains: { view: { verdict: string } }[] };
      expect(json.domains[0]?.view.verdict).toBe('protected');
      const md = await cli([
        'domain',
        'me@cleartext.plain.example',
        ...common(),
        '--ca-file',
        caFile,
        '--markdown',
      ]);
      expect(md.code).toBe(1);
      expect(md.out).toContain('## Mail to cleartext.plain.example: Mail can arrive unencrypted');
    } finally {
      rmSync(caFile, { force: true });
    }
  }, 60_000);

  it('exits 2 when nothing could be checked, 64 for a bad domain', async () => {
    const blocked = await cli(['domain', 'blocked.plain.example', ...common('2')]);
    expect(blocked.code).toBe(2);
    const bad = await cli(['domain', 'not a domain']);
    expect(bad.code).toBe(64);
    expect(bad.err).toContain("'not a domain' is not a domain name");
  }, 60_000);
});
