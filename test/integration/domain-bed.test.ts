/**
 * The domain check against real parts: knot serving a signed root, signed, unsigned and bogus
 * zones, unbound validating them (the AD bit really set or not), an HTTPS server on loopback
 * serving MTA-STS policies with its own certificate, and the bed's Postfix instances as the MX
 * hosts (reached through connect-to rules, names kept). Every case of issue 9 is a domain here,
 * judged with the public roots plus the bed's root. The world itself: test/bed/domain-world.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultTrustStores, type TrustStores } from '../../app/core/cert';
import { checkDomain, type DomainCheckOptions } from '../../app/core/domain/check';
import { judgeDomain, type DomainJudgement } from '../../app/core/domain/judge';
import { main } from '../../app/cli';
import { startDomainWorld, type DomainWorld } from '../bed/domain-world';
import { loadBed } from '../bed/endpoints';

let world: DomainWorld;
let rootCa: string;
let trust: TrustStores;
let dns: DomainWorld['dns'];
let https: DomainWorld['https'];
let options: DomainCheckOptions;

beforeAll(async () => {
  const bed = loadBed();
  world = await startDomainWorld(bed);
  ({ rootCa, dns, https, options } = world);
  trust = defaultTrustStores([rootCa]);
}, 120_000);

afterAll(async () => {
  await world?.stop();
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
    // Not also "encrypted when all goes well, but not enforced": that would not be true.
    expect(ids(j)).not.toContain('warning:mta-sts.missing');
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

  it('a domain whose own zone is bogus: validating senders cannot find its MX', async () => {
    const j = await judged('broken.example');
    const f = j.findings.find((x) => x.id === 'domain.dns-failed');
    expect(f?.severity).toBe('critical');
    expect(f?.evidence).toMatchObject({ outcome: 'servfail', dnssec: 'bogus' });
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
