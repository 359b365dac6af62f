/**
 * Probe → judge → explain against the real bed: the words name the real things (the names the
 * certificate is for, the date it ran out, the missing issuer), the verdict comes first, and
 * the help-desk Markdown stays inert with hostile server text.
 *
 * Names stay real (mail.test.example) through an injected lookup; the bed's root is the only
 * extra trust anchor, given to both the probe and the judge.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { X509Certificate } from 'node:crypto';
import { afterEach, beforeAll, describe, expect, test } from 'vitest';
import { analyzeChain, clientReactions, defaultTrustStores } from '../../app/core/cert';
import { explain, type Explanation } from '../../app/core/explain/catalog';
import { clientSentence } from '../../app/core/explain/clients';
import { helpdeskMarkdown } from '../../app/core/explain/helpdesk';
import { verdictSentence } from '../../app/core/explain/verdicts';
import { day } from '../../app/core/explain/words';
import type { EndpointTarget } from '../../app/core/facts/endpoint';
import { judgeEndpoint, type Judgement } from '../../app/core/findings/judge';
import type { FindingId } from '../../app/core/findings/types';
import { probeEndpoint } from '../../app/core/probe';
import { bedLookup, findEndpoint, loadBed, type BedDescription } from '../bed/endpoints';

let bed: BedDescription;
let rootCa: string;

beforeAll(() => {
  bed = loadBed();
  rootCa = readFileSync(bed.rootCaFile, 'utf8');
});

const lookup = bedLookup;

async function judged(target: EndpointTarget): Promise<Judgement> {
  const facts = await probeEndpoint(target, {
    lookup,
    extraCa: [rootCa],
    version: '0.0.0-test',
    connectTo: [],
  });
  return judgeEndpoint(facts, { trust: defaultTrustStores([rootCa]) });
}

async function judgedBed(id: string): Promise<Judgement> {
  const e = findEndpoint(bed, id);
  return judged({ host: e.serverName, port: e.port, protocol: e.protocol, security: e.security });
}

/** The explanation of the one finding with this id (fails when there is none). */
function explained(j: Judgement, id: FindingId): Explanation {
  const f = j.findings.find((x) => x.id === id);
  expect(f, `finding ${id} in ${j.findings.map((x) => x.id).join(', ')}`).toBeDefined();
  if (!f) throw new Error('unreachable');
  return explain(f);
}

function aboveInfo(j: Judgement): FindingId[] {
  return j.findings.filter((f) => f.severity !== 'info').map((f) => f.id);
}

/** All the plain words of an explanation, for "names the real thing" checks. */
function words(e: Explanation): string {
  return [e.title, e.meaning, e.risk, e.action].join(' ');
}

function leafOf(j: Judgement): X509Certificate {
  const der = j.facts.addresses[0]?.tls?.peerChain[0];
  if (der === undefined) throw new Error('no peer certificate');
  return new X509Certificate(Buffer.from(der, 'base64'));
}

describe('explanations name the real things', () => {
  test('good: encrypted and verified, said first; nothing above info', async () => {
    const j = await judgedBed('dovecot-imap-implicit-good');
    expect(j.verdict.kind).toBe('encrypted-verified');
    expect(aboveInfo(j)).toEqual([]);
    expect(verdictSentence(j.verdict.kind, 'imap')).toBe(
      'Your mail to and from this server is encrypted, and the server proved who it is.',
    );
  });

  test('expired: the date it ran out, read from the certificate itself', async () => {
    const j = await judgedBed('dovecot-imap-implicit-expired');
    expect(j.verdict.kind).toBe('encrypted-unverified');
    const e = explained(j, 'cert.expired');
    const notAfter = new Date(leafOf(j).validTo).toISOString();
    expect(e.meaning).toContain(day(notAfter));
    expect(e.action).toContain(day(notAfter));
    expect(e.action).toContain('mail.test.example');
    expect(e.whoCanFix).toBe('mail-provider');
    expect(e.details.map((d) => d.value)).toContain(leafOf(j).fingerprint256);
  });

  test('wrong host: the name the certificate is for, and the name configured', async () => {
    const j = await judgedBed('dovecot-imap-implicit-wrong-host');
    const e = explained(j, 'cert.name-mismatch');
    expect(e.meaning).toBe('The certificate is for other.test.example, not for mail.test.example.');
    expect(words(e)).toContain('mail.test.example');
  });

  test('no intermediate: names the missing issuer', async () => {
    const j = await judgedBed('dovecot-imap-implicit-no-intermediate');
    const e = explained(j, 'cert.missing-intermediate');
    const intermediate = new X509Certificate(readFileSync(bed.intermediateCaFile));
    const cn = /CN=([^\n,]+)/.exec(intermediate.subject)?.[1];
    expect(cn).toBeDefined();
    expect(e.meaning).toContain(`the certificate from ${cn ?? '?'}.`);
    expect(e.technicalTerm).toBe('missing intermediate certificate');
  });

  test('IMAP with optional STARTTLS: removable, and the step names port 993', async () => {
    const j = await judgedBed('dovecot-imap-starttls-optional-good');
    expect(j.verdict.kind).toBe('encryption-removable');
    const e = explained(j, 'starttls.optional');
    expect(e.whoCanFix).toBe('you');
    expect(e.action).toBe('In your mail app, change the incoming server to port 993 with SSL/TLS.');
    expect(e.meaning).toContain(
      `mail.test.example port ${findEndpoint(bed, 'dovecot-imap-starttls-optional-good').port}`,
    );
  });
});

describe('"Your app"', () => {
  /** The reactions to the chain the endpoint presented, analysed as the judge does. */
  async function reactions(id: string): Promise<string[]> {
    const j = await judgedBed(id);
    const tls = j.facts.addresses[0]?.tls;
    if (!tls) throw new Error('no TLS');
    const analysis = analyzeChain({
      peerChain: tls.peerChain,
      chainSource: tls.chainSource,
      referenceName: j.facts.target.host,
      service: 'mail',
      ocspResponse: tls.ocsp.response,
      now: new Date(),
      trust: defaultTrustStores([rootCa]),
    });
    return clientReactions(analysis).map(clientSentence);
  }

  test('the bed: expired and wrong host warn everywhere; RSA-1024 and SHA-1 warn in Apple Mail', async () => {
    const [expired, wrong, rsa, sha1, good] = await Promise.all(
      [
        'dovecot-imap-implicit-expired',
        'dovecot-imap-implicit-wrong-host',
        'dovecot-imap-implicit-rsa1024',
        'dovecot-imap-implicit-sha1',
        'dovecot-imap-implicit-good',
      ].map(reactions),
    );
    expect(expired?.every((s) => s.includes('will likely warn. Every app checks the end date'))).toBe(true);
    expect(wrong?.every((s) => s.includes('will likely warn. Every app checks the name'))).toBe(true);
    expect(rsa?.[1]).toBe('Apple Mail will likely warn. Apple refuses keys this short.');
    expect(sha1?.[1]).toBe('Apple Mail will likely warn. Apple refuses certificates signed in this old, weak way.');
    // The bed's root is trusted only through --ca-file: no app's own trust can be judged.
    expect(good?.every((s) => s.startsWith('Sealcheck cannot tell if'))).toBe(true);
  }); // prettier-ignore
});

describe('help-desk Markdown', () => {
  const servers: Server[] = [];
  const sockets = new Set<Socket>();
  afterEach(async () => {
    for (const s of sockets) s.destroy();
    sockets.clear();
    await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
  });

  test('real endpoints and a hostile greeting: escaped, no raw control characters', async () => {
    const hostile =
      '+OK <img src=x onerror=alert(1)> [x](https://evil.example) \u001b]0;pwned\u0007\u202e 203.0.113.9 ready';
    const server = createServer((socket) => {
      sockets.add(socket);
      socket.on('error', () => undefined);
      socket.write(`${hostile}\r\n`);
      socket.on('data', (d: Buffer) => {
        if (/QUIT/i.test(d.toString())) socket.end('+OK\r\n');
        else socket.write('-ERR no\r\n');
      });
    });
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('no port');

    const evil = await judged({
      host: '127.0.0.1',
      port: address.port,
      protocol: 'pop3',
      security: 'none',
    });
    expect(evil.verdict.kind).toBe('not-encrypted');
    const wrong = await judgedBed('dovecot-imap-implicit-wrong-host');
    const md = helpdeskMarkdown([wrong, evil], {
      generatedAt: '2026-11-25T17:00:00.000Z',
      version: '0.0.0-test',
      maskAddresses: ['203.0.113.9'],
    });
    // eslint-disable-next-line no-control-regex
    expect(md).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/u);
    expect(md).toContain('\\<img src=x onerror=alert\\(1\\)\\>');
    expect(md).toContain('\\[x\\]\\(https\\://evil.example\\)');
    expect(md).not.toMatch(/(^|[^\\])<img/m);
    expect(md).not.toContain('203.0.113.9');
    expect(md).toContain('\\[your address\\]');
    expect(md).toContain('other.test.example');
    // The bed's other.test.example is the same server: the user can fix it by using that name.
    expect(md).toContain('change the server name to other.test.example');
    expect(md).toContain('**Who can fix it:** you (a setting in your app)');
  });
});
