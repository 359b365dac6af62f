/**
 * The domain world of the tests and the benchmark: DNS zones on the DNS bed (knot with a signed
 * root, unbound validating), an HTTPS server serving MTA-STS policies per host with its own
 * certificate, a port-25 "black hole" (a full accept queue: connections time out, as behind a
 * network that drops port 25), and connect-to rules that send each MX name to one of the real
 * bed's Postfix instances (names kept, so certificates are checked against them).
 *
 * Domains (each a case of issue 9):
 *   nopolicy / enforce / wildcard / testing / mismatch / badcert / syntax / redirect / html /
 *   badrecord / wrongname / cleartext / blocked / nullmx / implicit / unsigneddane .plain.example
 *   (unsigned zone), ok / bad / two / nodane / bogusmx .signed.example (signed zone), and
 *   mx.broken.example in a bogus zone (wrong DS at the root).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { X509Certificate, createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { DomainCheckOptions } from '../../app/core/domain/check';
import type { ConnectToRule } from '../../app/core/net/resolve';
import { probeEndpoint } from '../../app/core/probe';
import { startHttpsServer, type TestHttpsServer } from '../support/https-server';
import { startDnsBed, type DnsBed } from './dns';
import { bedLookup, findEndpoint, targetOf, type BedDescription } from './endpoints';

export interface DomainWorld {
  /** The bed's root CA (PEM): trust it to verify the MX hosts. */
  readonly rootCa: string;
  readonly dns: DnsBed;
  /** The MTA-STS policy server; its certificate (https.ca) must be trusted too. */
  readonly https: TestHttpsServer;
  /** Options for checkDomain: resolver, ports, CAs, connect-to rules, short timeouts, no scan. */
  readonly options: DomainCheckOptions;
  stop(): Promise<void>;
}

/** MTA-STS policies served per Host; absent hosts get a 404. */
export const POLICIES: Record<
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

export async function startDomainWorld(bed: BedDescription): Promise<DomainWorld> {
  const rootCa = readFileSync(bed.rootCaFile, 'utf8');
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

  const dns = await startDnsBed({
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
  const https = await startHttpsServer(
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
  const blackhole = await startBlackhole();

  const postfix = (id: string): number => findEndpoint(bed, id).port;
  const options: DomainCheckOptions = {
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
  return {
    rootCa,
    dns,
    https,
    options,
    async stop() {
      blackhole.stop();
      await https.close();
      await dns.stop();
    },
  };
}
