/**
 * `sealcheck check` as users run it (node bin/sealcheck.mjs, in child processes) against the
 * real bed: JSON (facts, findings and verdict per endpoint), the explained human output and the
 * help-desk Markdown, --connect-to and --ca-file, every exit code, and hostile server text kept
 * inert. Names stay real through --connect-to, like curl's.
 */
import { execFile, type ExecFileException } from 'node:child_process';
import { randomBytes, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, test } from 'vitest';
import type { ClientReaction, FingerprintComparison } from '../../app/core/cert';
import type { EndpointFacts } from '../../app/core/facts/endpoint';
import type { Finding, FindingId, Severity, VerdictKind } from '../../app/core/findings/types';
import { findEndpoint, loadBed, type BedDescription } from '../bed/endpoints';
import { bin, ensureCliBuilt, root } from './support/build-cli';

interface Outcome {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

function sealcheck(args: string[]): Promise<Outcome> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      [bin, ...args],
      { cwd: root, timeout: 60_000, maxBuffer: 16 * 1024 * 1024 },
      (err: ExecFileException | null, stdout, stderr) => {
        done({ code: typeof err?.code === 'number' ? err.code : err ? -1 : 0, stdout, stderr });
      },
    );
  });
}

let bed: BedDescription;

beforeAll(() => {
  bed = loadBed();
  ensureCliBuilt();
}, 120_000);

/** --connect-to keeping the endpoint's real name. */
function via(id: string): string[] {
  const e = findEndpoint(bed, id);
  return ['--connect-to', `${e.serverName}:${e.port}:${e.host}:${e.port}`];
}

function one(id: string): string[] {
  const e = findEndpoint(bed, id);
  return [
    'check',
    e.serverName,
    '--protocol',
    e.protocol,
    '--port',
    String(e.port),
    '--tls',
    e.security,
    ...via(id),
    '--ca-file',
    bed.rootCaFile,
    ...(e.xmppDomain ? ['--xmpp-domain', e.xmppDomain] : []),
  ];
}

/** One endpoint in --json: its facts, its findings and its verdict. */
interface JsonEndpoint {
  readonly facts: EndpointFacts;
  readonly findings: readonly Finding[];
  readonly verdict: { readonly kind: VerdictKind; readonly worst: Severity | null };
  readonly clients: readonly ClientReaction[] | null;
  readonly fingerprint?: FingerprintComparison | null;
  readonly publicRoots: {
    readonly label: string;
    readonly node: string;
    readonly newestRootNotBefore: string | null;
  };
}

function parseJson(stdout: string): JsonEndpoint[] {
  const value: unknown = JSON.parse(stdout);
  expect(Array.isArray(value)).toBe(true);
  return value as JsonEndpoint[];
}

function parseFacts(stdout: string): EndpointFacts[] {
  return parseJson(stdout).map((e) => e.facts);
}

/** The ids of findings above info. */
function problems(e: JsonEndpoint | undefined): FindingId[] {
  return (e?.findings ?? []).filter((f) => f.severity !== 'info').map((f) => f.id);
}

const servers: Server[] = [];
const sockets = new Set<Socket>();
afterEach(async () => {
  for (const s of sockets) s.destroy();
  sockets.clear();
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

async function serve(onConnection: (socket: Socket) => void): Promise<number> {
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    onConnection(socket);
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const address = server.address();
  await new Promise((r) => server.close(r));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

describe('sealcheck check --json', () => {
  test('a good implicit-TLS endpoint: facts, no finding above info, verified, exit 0, no password', async () => {
    const r = await sealcheck([...one('dovecot-imap-implicit-good'), '--json']);
    expect(r.stderr).toBe('');
    const judged = parseJson(r.stdout);
    expect(judged[0]?.verdict).toEqual({ kind: 'encrypted-verified', worst: 'info' });
    expect(problems(judged[0])).toEqual([]);
    const facts = parseFacts(r.stdout);
    expect(facts).toHaveLength(1);
    const f = facts[0];
    expect(f?.schema).toBe('sealcheck.endpoint-facts/1');
    expect(f?.target).toMatchObject({ host: 'mail.test.example', protocol: 'imap' });
    expect(f?.addresses[0]?.status).toBe('success');
    expect(f?.addresses[0]?.tls?.verification.chainTrusted).toBe(true);
    expect(f?.sealcheckVersion).toMatch(/^\d+\.\d+\.\d+/);
    expect(r.stdout).not.toContain(bed.user.password);
    expect(r.code).toBe(0);
  });

  test('every protocol’s good STARTTLS endpoint at once: verified; exit 0 but for Postfix’s defaults', async () => {
    const ids = [
      'dovecot-imap-starttls-good',
      'dovecot-pop3-starttls-good',
      'postfix-submission-starttls-good',
      'prosody-xmpp-starttls-good',
    ];
    const results = await Promise.all(ids.map((id) => sealcheck([...one(id), '--json'])));
    for (const [i, r] of results.entries()) {
      const id = ids[i] ?? '';
      const judged = parseJson(r.stdout)[0];
      const f = judged?.facts;
      expect(f?.addresses[0]?.status, id).toBe('success');
      expect(f?.addresses[0]?.injection?.vulnerable, id).toBe(false);
      expect(judged?.verdict.kind, id).toBe('encrypted-verified');
      if (id.startsWith('postfix')) {
        // Postfix's defaults also accept TLS 1.0/1.1 and anonymous suites (the TLS scan): a
        // warning about the server, not about this connection, and exit 1 says so.
        expect(problems(judged).sort(), id).toEqual(['tls.cipher.weak', 'tls.version.legacy']);
        expect(
          judged?.findings.every(
            (x) => x.severity === 'info' || ('negotiated' in x.evidence && !x.evidence.negotiated),
          ),
        ).toBe(true);
        expect(r.code, id).toBe(1);
      } else {
        expect(problems(judged), id).toEqual([]);
        expect(r.code, id).toBe(0);
      }
    }
  });

  test('several targets: one record each, in the order given; the mismatched name gives exit 1', async () => {
    const e = findEndpoint(bed, 'dovecot-imap-implicit-good');
    const r = await sealcheck([
      'check',
      'mail.test.example',
      'other.test.example',
      '--protocol',
      'imap',
      '--connect-to',
      `::127.0.0.1:${e.port}`,
      '--ca-file',
      bed.rootCaFile,
      '--json',
    ]);
    const facts = parseFacts(r.stdout);
    expect(facts.map((f) => f.target.host)).toEqual(['mail.test.example', 'other.test.example']);
    expect(facts.map((f) => f.target.port)).toEqual([993, 993]);
    expect(facts.map((f) => f.addresses[0]?.tls?.verification.nameMatches)).toEqual([true, false]);
    const judged = parseJson(r.stdout);
    expect(judged.map((e) => e.verdict.kind)).toEqual([
      'encrypted-verified',
      'encrypted-unverified',
    ]);
    expect(problems(judged[1])).toEqual(['cert.name-mismatch']);
    expect(r.code).toBe(1);
  });
});

test('--no-injection-test: one connection, no injection facts', async () => {
  const r = await sealcheck([
    ...one('dovecot-imap-starttls-good'),
    '--no-injection-test',
    '--json',
  ]);
  const a = parseFacts(r.stdout)[0]?.addresses[0];
  expect(a?.injection).toBeNull();
  expect(a?.connections).toBe(1);
  expect(r.code).toBe(0);
});

describe('exit codes', () => {
  test('an expired certificate: verdict first, the explanation, the details; exit 1', async () => {
    const r = await sealcheck(one('dovecot-imap-implicit-expired'));
    const lines = r.stdout.split('\n');
    expect(lines[1]).toMatch(/^ {2}Encrypted, but the server's identity is not proven\. /);
    expect(r.stdout).toMatch(/! The server's certificate has run out \[critical\]/);
    expect(r.stdout).toMatch(/ran out on \d{1,2} [A-Z][a-z]+ \d{4}, \d+ days? ago\./);
    expect(r.stdout).toContain('Who can fix it: your mail provider.');
    expect(r.stdout).toContain('Help-desk term: expired certificate');
    expect(r.stdout).toContain('not trusted (CERT_HAS_EXPIRED)');
    expect(r.code).toBe(1);
  });

  test('plaintext only, asked as STARTTLS: exit 1', async () => {
    const e = findEndpoint(bed, 'dovecot-imap-none');
    const r = await sealcheck([
      'check',
      e.serverName,
      '--protocol',
      'imap',
      '--tls',
      'starttls',
      '--port',
      String(e.port),
      ...via(e.id),
    ]);
    expect(r.stdout).toMatch(/STARTTLS: +not offered/);
    expect(r.stdout).toContain('Not encrypted.');
    expect(r.code).toBe(1);
  });

  test('a closed port with an explicit protocol: could not check, exit 2', async () => {
    const port = await closedPort();
    const r = await sealcheck(['check', '127.0.0.1', '--protocol', 'imap', '--port', String(port)]);
    expect(r.stdout).toContain('connection refused');
    expect(r.stdout).toContain('Could not check. The check did not finish');
    expect(r.code).toBe(2);
  });

  test('--timeout bounds a server that never answers: exit 2', async () => {
    const port = await serve((s) => s.resume());
    const t0 = Date.now();
    const r = await sealcheck([
      'check',
      '127.0.0.1',
      '--protocol',
      'pop3',
      '--tls',
      'starttls',
      '--port',
      String(port),
      '--timeout',
      '1',
    ]);
    expect(Date.now() - t0).toBeLessThan(20_000);
    expect(r.stdout).toContain('timed out');
    expect(r.code).toBe(2);
  });

  test('bad usage: exit 64, a message on stderr, nothing on stdout', async () => {
    const cases: string[][] = [
      ['check'],
      ['check', 'x.example', '--protocol', 'gopher'],
      ['check', 'x.example', '--protocol', 'imap', '--port', '99999'],
      ['check', 'x.example', '--protocol', 'imap', '--tls', 'maybe'],
      ['check', 'x.example', '--port', '993'],
      ['check', 'x.example', '--frobnicate'],
      ['check', 'x.example', '--connect-to', 'nonsense'],
      ['check', 'x.example', '--ca-file', join(tmpdir(), 'sealcheck-no-such-file.pem')],
      ['check', 'x.example', '--timeout', '0'],
      ['check', 'x.example', '--concurrency', 'many'],
      ['check', 'x.example', '--protocol'],
      ['check', 'x.example', '--protocol', 'imap', '--protocol', 'pop3'],
      ['check', 'x.example', '--json=yes'],
      ['check', 'bad host/name'],
      ['check', 'x.example', '--protocol', 'smtp', '--tls', 'implicit'],
      ['check', 'x.example', '--json', '--markdown'],
    ];
    const results = await Promise.all(cases.map((args) => sealcheck(args)));
    for (const [i, r] of results.entries()) {
      const what = cases[i]?.join(' ');
      expect(r.code, what).toBe(64);
      expect(r.stdout, what).toBe('');
      expect(r.stderr, what).toContain("Run 'sealcheck --help' for usage.");
    }
  });
});

describe('check HOST without a protocol', () => {
  test('every standard endpoint; refused ones are not served; verified everywhere', async () => {
    const closed = await closedPort();
    const map: [number, string][] = [
      [993, 'dovecot-imap-implicit-good'],
      [143, 'dovecot-imap-starttls-good'],
      [587, 'postfix-submission-starttls-good'],
      [5222, 'prosody-xmpp-starttls-good'],
    ];
    const r = await sealcheck([
      'check',
      'mail.test.example',
      '--xmpp-domain',
      'test.example',
      ...map.flatMap(([port, id]) => [
        '--connect-to',
        `mail.test.example:${port}:127.0.0.1:${findEndpoint(bed, id).port}`,
      ]),
      '--connect-to',
      `mail.test.example::127.0.0.1:${closed}`,
      '--ca-file',
      bed.rootCaFile,
    ]);
    for (const port of [993, 143, 587, 5222])
      expect(r.stdout).toMatch(
        new RegExp(`:${port} \\(.*\\) via 127\\.0\\.0\\.1:\\d+\\n  Encrypted and verified\\. `),
      );
    for (const port of [995, 110, 465, 25, 5223])
      expect(r.stdout).toMatch(new RegExp(`:${port} \\(.*: not served \\(connection refused\\)`));
    // Submission (Postfix) is verified too, but its defaults also accept old versions and
    // anonymous suites: the one endpoint "with problems", hence exit 1.
    expect(r.stdout).toContain(
      '9 endpoints: 3 ok, 1 with problems, 0 could not be checked, 5 not served.',
    );
    expect(r.stdout).toContain('The server also allows weak encryption');
    // A note every endpoint shares is printed once, after them all.
    expect(r.stdout.match(/No one checked if the certificate was withdrawn/g)).toHaveLength(1);
    expect(r.stdout).toMatch(
      /\nWorth knowing for every endpoint above:\n {2}- No one checked if the certificate was withdrawn\./,
    );
    expect(r.code).toBe(1);
  });

  test('nothing served at all: could not check, exit 2', async () => {
    const closed = await closedPort();
    const r = await sealcheck([
      'check',
      'mail.test.example',
      '--connect-to',
      `::127.0.0.1:${closed}`,
      '--json',
    ]);
    const judged = parseJson(r.stdout);
    // Refused everywhere: the judge cannot say anything about any of them.
    expect(new Set(judged.map((e) => e.verdict.kind))).toEqual(new Set(['could-not-check']));
    const facts = parseFacts(r.stdout);
    expect(facts).toHaveLength(9);
    expect(facts.map((f) => `${f.target.protocol}/${f.target.port}/${f.target.security}`)).toEqual([
      'imap/993/implicit',
      'imap/143/starttls',
      'pop3/995/implicit',
      'pop3/110/starttls',
      'submission/465/implicit',
      'submission/587/starttls',
      'smtp/25/starttls',
      'xmpp/5223/implicit',
      'xmpp/5222/starttls',
    ]);
    expect(r.code).toBe(2);
  });
});

describe('human output', () => {
  test('optional STARTTLS: the verdict, what to do and who, then the facts', async () => {
    const r = await sealcheck(one('dovecot-imap-starttls-optional-good'));
    expect(r.stdout).toMatch(/^imap mail\.test\.example:\d+ \(STARTTLS\) via 127\.0\.0\.1:\d+$/m);
    expect(r.stdout).toContain('Encrypted, but an attacker could remove the encryption.');
    expect(r.stdout).toContain('! An attacker could switch off encryption here [warning]');
    expect(r.stdout).toContain(
      'What to do: In your mail app, change the incoming server to port 993 with SSL/TLS.',
    );
    expect(r.stdout).toContain('Who can fix it: you (a setting in your app).');
    expect(r.stdout).toContain('  Details:');
    expect(r.stdout).toMatch(/^ {2}127\.0\.0\.1$/m);
    expect(r.stdout).toMatch(/TLS: +TLSv1\.[23], /);
    expect(r.stdout).toMatch(/certificate: +verified \(valid for mail\.test\.example\)/);
    expect(r.stdout).toMatch(/STARTTLS: +offered/);
    expect(r.stdout).toMatch(/password before TLS: +possible/);
    expect(r.stdout).toMatch(/injection test: +no answer to NOOP inside TLS/);
    expect(r.stdout).toContain('1 endpoint: 0 ok, 1 with problems, 0 could not be checked.');
    expect(r.code).toBe(1);
  });

  test('a TLS 1.0/1.1-only server: encryption failed, explained, with the alert; exit 1', async () => {
    const r = await sealcheck([...one('postfix-smtp-starttls-tls11-only'), '--json']);
    const judged = parseJson(r.stdout);
    // The check finished: the answer is that a modern app cannot encrypt here (not "could not check").
    expect(judged[0]?.verdict.kind).toBe('not-encrypted');
    expect(problems(judged[0])).toContain('starttls.failed');
    expect(r.code).toBe(1);
    const human = await sealcheck(one('postfix-smtp-starttls-tls11-only'));
    expect(human.stdout).toContain('! Encryption could not be switched on');
    expect(human.stdout).toMatch(/TLS handshake failed at handshake: .*alert protocol_version/);
    expect(human.code).toBe(1);
  });

  test('--markdown: a help-desk summary for a ticket, exit code as without it', async () => {
    const r = await sealcheck([...one('dovecot-imap-implicit-wrong-host'), '--markdown']);
    expect(r.stdout).toMatch(/^# Sealcheck: connection check$/m);
    expect(r.stdout).toMatch(/^## imap mail\.test\.example port \d+ \(SSL\/TLS\)$/m);
    expect(r.stdout).toContain('### 1\\. The certificate is for a different name');
    expect(r.stdout).toContain(
      '**What it means:** The certificate is for other.test.example, not for mail.test.example.',
    );
    expect(r.stdout).toContain('**Who can fix it:** your mail provider');
    expect(r.code).toBe(1);
  });

  test('hostile server text is shown inert', async () => {
    const port = await serve((s) => {
      s.write('+OK \u001b]0;pwned\u0007\u202e ready\r\n');
      s.on('data', (d: Buffer) => {
        if (/QUIT/i.test(d.toString())) s.end('+OK\r\n');
        else s.write('-ERR no\r\n');
      });
    });
    const r = await sealcheck([
      'check',
      '127.0.0.1',
      '--protocol',
      'pop3',
      '--tls',
      'none',
      '--port',
      String(port),
    ]);
    expect(r.stdout).toContain('\\x1b]0;pwned\\x07');
    // eslint-disable-next-line no-control-regex
    expect(r.stdout).not.toMatch(/[\u001b\u0007\u202e]/);
    expect(r.code).toBe(1);
  });
});

describe('the certificate beside the findings', () => {
  /** The good leaf's SHA-256 as the bed serves it (from --json), in colon hex. */
  async function goodLeaf(): Promise<X509Certificate> {
    const r = await sealcheck([...one('dovecot-imap-implicit-good'), '--json']);
    const der = parseFacts(r.stdout)[0]?.addresses[0]?.tls?.peerChain[0];
    if (der === undefined) throw new Error('no peer certificate');
    return new X509Certificate(Buffer.from(der, 'base64'));
  }

  test('--fingerprint: this server, another in its chain, or a different one; JSON and words', async () => {
    const leaf = await goodLeaf();
    const intermediate = new X509Certificate(readFileSync(bed.intermediateCaFile));
    const random = randomBytes(32).toString('hex');
    const cases: [string, FingerprintComparison['result'], string][] = [
      // As mail clients show it, and bare lower-case hex.
      [leaf.fingerprint256, 'this-server', 'It matches the certificate that mail.test.example shows here.'],
      [intermediate.fingerprint.replace(/:/g, '').toLowerCase(), 'in-chain', 'It matches a certificate that vouches for mail.test.example'],
      [random, 'different', 'It does not match any certificate that mail.test.example shows here.'],
    ]; // prettier-ignore
    for (const [fp, result, words] of cases) {
      const json = await sealcheck([
        ...one('dovecot-imap-implicit-good'),
        '--json',
        '--fingerprint',
        fp,
      ]);
      expect(parseJson(json.stdout)[0]?.fingerprint?.result, result).toBe(result);
      const human = await sealcheck([...one('dovecot-imap-implicit-good'), '--fingerprint', fp]);
      expect(human.stdout, result).toContain(`The fingerprint you gave:\n    ${fp}\n`);
      expect(human.stdout.replace(/\n\s+/g, ' '), result).toContain(words);
      expect(human.code).toBe(0);
    }
    const different = await sealcheck([
      ...one('dovecot-imap-implicit-good'),
      '--fingerprint',
      random,
    ]);
    expect(different.stdout.replace(/\n\s+/g, ' ')).toContain(
      'Something between you and the server may have shown your app a fake one.',
    );
    expect(different.stdout).toContain(`server certificate SHA-256: ${leaf.fingerprint256}`);
  });

  test('--fingerprint that is not one: usage error', async () => {
    const r = await sealcheck(['check', 'x.example', '--fingerprint', 'AB:CD']);
    expect(r.code).toBe(64);
    expect(r.stderr).toContain('--fingerprint must be a SHA-256 or SHA-1 fingerprint');
  });

  test('"Your app": shown for a missing intermediate, in text, JSON and Markdown; not for a good certificate', async () => {
    const id = 'dovecot-imap-implicit-no-intermediate';
    const json = parseJson((await sealcheck([...one(id), '--json'])).stdout)[0];
    expect(json?.clients?.map((c) => `${c.client}:${c.reaction}:${c.because}`)).toEqual([
      'thunderbird:warns:missing-intermediate-not-fetched',
      'apple-mail:unknown:missing-intermediate-unsure',
      expect.stringMatching(/^outlook-windows:unknown:missing-intermediate-/),
    ]);
    expect(json?.publicRoots.node).toMatch(/^\d+\.\d+\.\d+$/);
    expect(json?.publicRoots.newestRootNotBefore).toMatch(/^\d{4}-\d{2}-\d{2}T/);
    const human = await sealcheck(one(id));
    expect(human.stdout).toContain('  Your app:\n    - Thunderbird will likely warn. It does not fetch');
    expect(human.stdout).toMatch(/\n {2}public roots: \d+ from Node [\d.]+ \(Mozilla\), added up to at least \d{1,2} [A-Z][a-z]+ \d{4}\n/);
    const md = await sealcheck([...one(id), '--markdown']);
    expect(md.stdout).toContain('### Your app\n\n- Thunderbird will likely warn.');
    const good = await sealcheck(one('dovecot-imap-implicit-good'));
    expect(good.stdout).not.toContain('Your app:');
  }); // prettier-ignore

  test('--mask-address hides an address in the Markdown; only with --markdown', async () => {
    const r = await sealcheck([
      ...one('dovecot-imap-implicit-good'),
      '--markdown',
      '--mask-address',
      '127.0.0.1',
    ]);
    // Masked, then escaped like every value: "\[your address\]" renders as "[your address]".
    expect(r.stdout).toContain('- Address \\[your address\\]:');
    expect(r.stdout).not.toContain('127.0.0.1');
    const bad = await sealcheck(['check', 'x.example', '--mask-address', '10.0.0.1']);
    expect(bad.code).toBe(64);
  });
});
