/**
 * probeEndpoint against the real bed: every protocol and mode of Dovecot, Postfix and Prosody,
 * the broken certificates, the TLS 1.0/1.1-only servers, the command-injection test (fixed real
 * servers, and a scripted vulnerable one), a host with two addresses, deadlines and cancel.
 *
 * Names stay real (mail.test.example, test.example) through an injected lookup, so SNI and the
 * certificate's name check use them; the bed's root is the only extra trust anchor.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { dirname, join } from 'node:path';
import { TLSSocket } from 'node:tls';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { AddressFacts, EndpointFacts } from '../../app/core/facts/endpoint';
import { FACTS_SCHEMA } from '../../app/core/facts/endpoint';
import type { LookupFunction } from '../../app/core/net/resolve';
import { probeEndpoint, type ProbeOptions, type ProbeProgress } from '../../app/core/probe';
import { findEndpoint, loadBed, targetOf, type BedDescription } from '../bed/endpoints';

let bed: BedDescription;
let rootCa: string;
let pkiDir: string;

beforeAll(() => {
  bed = loadBed();
  rootCa = readFileSync(bed.rootCaFile, 'utf8');
  pkiDir = dirname(bed.rootCaFile);
});

/** A resolver that knows only the bed's names (and any extra given). */
function lookupFor(table: Readonly<Record<string, readonly string[]>>): LookupFunction {
  return (hostname, _options, callback) => {
    const addresses = table[hostname.toLowerCase()];
    if (!addresses) {
      const err = Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), {
        code: 'ENOTFOUND',
      });
      callback(err, []);
      return;
    }
    callback(
      null,
      addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 })),
    );
  };
}

const bedLookup = (): LookupFunction =>
  lookupFor({ 'mail.test.example': ['127.0.0.1'], 'test.example': ['127.0.0.1'] });

/** Every fact record must be free of the bed user's password, in any encoding we might use. */
function expectNoPassword(facts: EndpointFacts): void {
  const json = JSON.stringify(facts);
  const pw = bed.user.password;
  expect(json).not.toContain(pw);
  expect(json).not.toContain(Buffer.from(pw).toString('base64'));
  expect(json).not.toContain(Buffer.from(`\0${bed.user.name}\0${pw}`).toString('base64'));
}

async function probe(id: string, options: ProbeOptions = {}): Promise<EndpointFacts> {
  const e = findEndpoint(bed, id);
  expect(e.host).toBe('127.0.0.1');
  const facts = await probeEndpoint(targetOf(e), {
    lookup: bedLookup(),
    extraCa: [rootCa],
    version: '0.0.0-test',
    ...options,
  });
  expectNoPassword(facts);
  return facts;
}

/** The one address's facts (the bed's names resolve to 127.0.0.1 only). */
async function probeOne(id: string, options?: ProbeOptions): Promise<AddressFacts> {
  const facts = await probe(id, options);
  expect(facts.addresses).toHaveLength(1);
  const a = facts.addresses[0];
  if (!a) throw new Error('no address facts');
  return a;
}

function expectVerified(a: AddressFacts, name: string): void {
  expect(a.tls).not.toBeNull();
  expect(a.tls?.version).toMatch(/^TLSv1\.[23]$/);
  expect(a.tls?.sniSent).toBe(name);
  expect(a.tls?.peerChain.length).toBeGreaterThanOrEqual(2);
  expect(a.tls?.verification).toEqual({
    chainTrusted: true,
    chainError: null,
    nameChecked: name,
    nameMatches: true,
  });
}

function expectStartTlsAccepted(a: AddressFacts): void {
  expect(a.capabilitiesBeforeTls?.starttls).toBe(true);
  expect(a.starttls).toMatchObject({ attempted: true, outcome: 'accepted' });
  expect(a.starttls?.plaintextAfterGoAhead).toBeNull();
  expect(a.capabilitiesAfterTls?.listed).toBe(true);
}

/** The injection test ran and the (fixed) server did not answer inside TLS. */
function expectNotInjectable(a: AddressFacts): void {
  expect(a.injection).toMatchObject({ tested: true, vulnerable: false });
  expect(a.connections).toBe(2);
}

function expectPlaintextOnly(a: AddressFacts): void {
  expect(a.status).toBe('success');
  expect(a.capabilitiesBeforeTls?.starttls).toBe(false);
  expect(a.starttls).toEqual({
    attempted: false,
    reply: [],
    outcome: 'not-attempted',
    plaintextAfterGoAhead: null,
  });
  expect(a.tls).toBeNull();
  expect(a.capabilitiesAfterTls).toBeNull();
  expect(a.injection).toBeNull();
  expect(a.connections).toBe(1);
}

describe('the record', () => {
  it('is versioned, names what was asked and where it went, and is plain JSON', async () => {
    const e = findEndpoint(bed, 'dovecot-imap-implicit-good');
    const facts = await probe(e.id);
    expect(facts.schema).toBe(FACTS_SCHEMA);
    expect(facts.target).toEqual(targetOf(e));
    expect(facts.resolved).toEqual(['127.0.0.1']);
    expect(facts.resolveError).toBeNull();
    expect(facts.sealcheckVersion).toBe('0.0.0-test');
    expect(Number.isNaN(Date.parse(facts.startedAt))).toBe(false);
    expect(facts.durationMs).toBeGreaterThanOrEqual(0);
    expect(JSON.parse(JSON.stringify(facts))).toEqual(facts);
  });

  it('uses --connect-to rules: the name stays for SNI and the check, the address is the rule’s', async () => {
    const e = findEndpoint(bed, 'dovecot-imap-implicit-good');
    const facts = await probeEndpoint(
      { host: e.serverName, port: 993, protocol: 'imap', security: 'implicit' },
      {
        // No lookup for the name at all: only the rule makes it reachable.
        lookup: lookupFor({}),
        connectTo: [{ host: 'mail.test.example', port: 993, toHost: '127.0.0.1', toPort: e.port }],
        extraCa: [rootCa],
      },
    );
    expect(facts.target.connectTo).toEqual({ host: '127.0.0.1', port: e.port });
    expect(facts.resolved).toEqual(['127.0.0.1']);
    const a = facts.addresses[0];
    expect(a?.status).toBe('success');
    if (a) expectVerified(a, 'mail.test.example');
  });

  it('records a name that does not resolve as resolveError, with no addresses', async () => {
    const facts = await probeEndpoint(
      { host: 'nowhere.test.example', port: 993, protocol: 'imap', security: 'implicit' },
      { lookup: bedLookup() },
    );
    expect(facts.addresses).toEqual([]);
    expect(facts.resolveError).toMatchObject({ step: 'resolve', kind: 'dns' });
  });
});

describe('Dovecot IMAP', () => {
  it('implicit TLS: one connection, verified, capabilities inside TLS', async () => {
    const a = await probeOne('dovecot-imap-implicit-good');
    expect(a.status).toBe('success');
    expect(a.error).toBeNull();
    expect(a.connections).toBe(1);
    expectVerified(a, 'mail.test.example');
    expect(a.tls?.ocsp.requested).toBe(true);
    expect(a.greeting?.kind).toBe('ok');
    expect(a.capabilitiesBeforeTls).toBeNull();
    expect(a.capabilitiesAfterTls?.listed).toBe(true);
    expect(a.capabilitiesAfterTls?.passwordLogin).toBe(true);
    expect(a.starttls).toBeNull();
    expect(a.loginBeforeTls).toBeNull();
    expect(a.injection).toBeNull();
    for (const step of ['connect', 'handshake', 'greeting', 'capabilities', 'close'] as const)
      expect(a.timings[step]).toBeTypeOf('number');
    expect(a.transcript.some((t) => t.tls && t.dir === 'received')).toBe(true);
  });

  it('STARTTLS required: LOGINDISABLED, AUTHENTICATE refused before TLS, upgrade verified', async () => {
    const a = await probeOne('dovecot-imap-starttls-good');
    expect(a.status).toBe('success');
    expectStartTlsAccepted(a);
    expect(a.capabilitiesBeforeTls?.passwordLogin).toBe(false);
    expect(a.capabilitiesBeforeTls?.raw.join(' ')).toContain('LOGINDISABLED');
    expect(a.loginBeforeTls).toMatchObject({ command: 'AUTHENTICATE PLAIN', invited: false });
    expectVerified(a, 'mail.test.example');
    expect(a.capabilitiesAfterTls?.saslMechanisms).toContain('PLAIN');
    expect(a.capabilitiesAfterTls?.starttls).toBe(false);
    expectNotInjectable(a);
    // The STARTTLS reply came before TLS, the second CAPABILITY inside it.
    const sent = a.transcript.filter((t) => t.dir === 'sent');
    expect(sent.some((t) => !t.tls && /STARTTLS$/.test(t.text))).toBe(true);
    expect(sent.some((t) => t.tls && /CAPABILITY$/.test(t.text))).toBe(true);
  });

  it('STARTTLS optional: a password would be taken before TLS', async () => {
    const a = await probeOne('dovecot-imap-starttls-optional-good');
    expect(a.status).toBe('success');
    expectStartTlsAccepted(a);
    expect(a.capabilitiesBeforeTls?.passwordLogin).toBe(true);
    expect(a.loginBeforeTls).toMatchObject({ command: 'AUTHENTICATE PLAIN', invited: true });
    expectVerified(a, 'mail.test.example');
    expectNotInjectable(a);
  });

  it('plaintext only: no STARTTLS, no TLS, login invited', async () => {
    const a = await probeOne('dovecot-imap-none');
    expectPlaintextOnly(a);
    expect(a.loginBeforeTls?.invited).toBe(true);
  });

  it('plaintext mode still records the STARTTLS upgrade a server offers, without the injection test', async () => {
    const e = findEndpoint(bed, 'dovecot-imap-starttls-good');
    const facts = await probeEndpoint(
      { ...targetOf(e), security: 'none' },
      { lookup: bedLookup(), extraCa: [rootCa] },
    );
    const a = facts.addresses[0];
    expect(a?.status).toBe('success');
    expect(a?.starttls?.outcome).toBe('accepted');
    expect(a?.tls?.verification.chainTrusted).toBe(true);
    expect(a?.injection).toBeNull();
    expect(facts.target.security).toBe('none');
  });
});

describe('Dovecot POP3', () => {
  it('implicit TLS', async () => {
    const a = await probeOne('dovecot-pop3-implicit-good');
    expect(a.status).toBe('success');
    expect(a.connections).toBe(1);
    expectVerified(a, 'mail.test.example');
    expect(a.capabilitiesAfterTls?.listed).toBe(true);
  });

  it('STARTTLS required: STLS offered, AUTH PLAIN refused before TLS', async () => {
    const a = await probeOne('dovecot-pop3-starttls-good');
    expect(a.status).toBe('success');
    expectStartTlsAccepted(a);
    expect(a.loginBeforeTls?.invited).toBe(false);
    expectVerified(a, 'mail.test.example');
    expect(a.capabilitiesAfterTls?.passwordLogin).toBe(true);
    expectNotInjectable(a);
  });

  it('STARTTLS optional: AUTH PLAIN invited before TLS', async () => {
    const a = await probeOne('dovecot-pop3-starttls-optional-good');
    expectStartTlsAccepted(a);
    expect(a.loginBeforeTls?.invited).toBe(true);
    expectNotInjectable(a);
  });

  it('plaintext only', async () => {
    const a = await probeOne('dovecot-pop3-none');
    expectPlaintextOnly(a);
    expect(a.loginBeforeTls?.invited).toBe(true);
  });
});

describe('Postfix', () => {
  it('SMTP with STARTTLS: multi-line EHLO kept as facts, no AUTH tried on port-25 service', async () => {
    const a = await probeOne('postfix-smtp-starttls-good');
    expect(a.status).toBe('success');
    expect(a.greeting).toMatchObject({ kind: 'ok', code: 220 });
    expectStartTlsAccepted(a);
    expect(a.capabilitiesBeforeTls?.extensions).toMatchObject({ PIPELINING: true, STARTTLS: true });
    expect(a.loginBeforeTls).toBeNull();
    expectVerified(a, 'mail.test.example');
    expectNotInjectable(a);
  });

  it('submission with STARTTLS required: 530 before TLS, AUTH only after', async () => {
    const a = await probeOne('postfix-submission-starttls-good');
    expect(a.status).toBe('success');
    expectStartTlsAccepted(a);
    expect(a.capabilitiesBeforeTls?.saslMechanisms).toEqual([]);
    expect(a.loginBeforeTls?.invited).toBe(false);
    expect(a.loginBeforeTls?.reply.join('\n')).toMatch(/^530 /m);
    expectVerified(a, 'mail.test.example');
    expect(a.capabilitiesAfterTls?.saslMechanisms).toContain('PLAIN');
    expectNotInjectable(a);
  });

  it('submission with implicit TLS', async () => {
    const a = await probeOne('postfix-submission-implicit-good');
    expect(a.status).toBe('success');
    expect(a.connections).toBe(1);
    expectVerified(a, 'mail.test.example');
    expect(a.greeting?.code).toBe(220);
    expect(a.capabilitiesAfterTls?.saslMechanisms).toContain('PLAIN');
  });

  it('SMTP without STARTTLS', async () => {
    const a = await probeOne('postfix-smtp-none');
    expectPlaintextOnly(a);
  });

  it('asked for STARTTLS where none is offered: completes, and says so', async () => {
    const e = findEndpoint(bed, 'postfix-smtp-none');
    const facts = await probeEndpoint(
      { ...targetOf(e), security: 'starttls' },
      { lookup: bedLookup(), extraCa: [rootCa] },
    );
    const a = facts.addresses[0];
    expect(a?.status).toBe('success');
    expect(a?.capabilitiesBeforeTls?.starttls).toBe(false);
    expect(a?.starttls?.outcome).toBe('not-attempted');
    expect(a?.tls).toBeNull();
  });
});

describe('Prosody', () => {
  it('STARTTLS required: <required/>, mechanisms after TLS, the XMPP domain as identity', async () => {
    const a = await probeOne('prosody-xmpp-starttls-good');
    expect(a.status).toBe('success');
    expectStartTlsAccepted(a);
    expect(a.capabilitiesBeforeTls?.starttlsRequired).toBe(true);
    expectVerified(a, 'test.example');
    expect(a.capabilitiesAfterTls?.saslMechanisms).toEqual(
      expect.arrayContaining(['PLAIN', 'SCRAM-SHA-1']),
    );
    expectNotInjectable(a);
  });

  it('STARTTLS optional', async () => {
    const a = await probeOne('prosody-xmpp-starttls-optional-good');
    expectStartTlsAccepted(a);
    expect(a.capabilitiesBeforeTls?.starttlsRequired).toBe(false);
    expectVerified(a, 'test.example');
  });

  it('direct TLS (XEP-0368): SNI and ALPN xmpp-client', async () => {
    const a = await probeOne('prosody-xmpp-implicit-good');
    expect(a.status).toBe('success');
    expect(a.connections).toBe(1);
    expectVerified(a, 'test.example');
    expect(a.tls?.alpn).toBe('xmpp-client');
    expect(a.capabilitiesAfterTls?.saslMechanisms).toContain('PLAIN');
  });

  it('--xmpp-domain: the stream and the certificate use the domain, not the host', async () => {
    const e = findEndpoint(bed, 'prosody-xmpp-implicit-good');
    const facts = await probeEndpoint(
      { ...targetOf(e), host: 'mail.test.example', xmppDomain: 'test.example' },
      { lookup: bedLookup(), extraCa: [rootCa] },
    );
    const a = facts.addresses[0];
    expect(a?.status).toBe('success');
    if (a) expectVerified(a, 'test.example');
  });
});

describe('certificates the handshake completes with, and records as unverified', () => {
  const cases: readonly [string, boolean, string | null, boolean][] = [
    ['dovecot-imap-implicit-expired', false, 'CERT_HAS_EXPIRED', true],
    ['dovecot-imap-implicit-not-yet-valid', false, 'CERT_NOT_YET_VALID', true],
    ['dovecot-imap-implicit-self-signed', false, 'DEPTH_ZERO_SELF_SIGNED_CERT', true],
    ['dovecot-imap-implicit-wrong-host', true, null, false],
    ['dovecot-imap-implicit-no-intermediate', false, 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', true],
    ['dovecot-pop3-starttls-expired', false, 'CERT_HAS_EXPIRED', true],
    ['dovecot-pop3-implicit-self-signed', false, 'DEPTH_ZERO_SELF_SIGNED_CERT', true],
    ['postfix-smtp-starttls-wrong-host', true, null, false],
    ['postfix-smtp-starttls-expired', false, 'CERT_HAS_EXPIRED', true],
    ['postfix-submission-starttls-no-intermediate', false, 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', true],
    ['postfix-submission-implicit-self-signed', false, 'DEPTH_ZERO_SELF_SIGNED_CERT', true],
    ['prosody-xmpp-starttls-expired', false, 'CERT_HAS_EXPIRED', true],
    ['prosody-xmpp-implicit-expired', false, 'CERT_HAS_EXPIRED', true],
    ['prosody-xmpp-starttls-self-signed', false, 'DEPTH_ZERO_SELF_SIGNED_CERT', true],
    ['prosody-xmpp-implicit-self-signed', false, 'DEPTH_ZERO_SELF_SIGNED_CERT', true],
    ['prosody-xmpp-starttls-wrong-host', true, null, false],
  ];
  it.each(cases)('%s', async (id, chainTrusted, chainError, nameMatches) => {
    const a = await probeOne(id, { injectionTest: false });
    expect(a.status).toBe('success');
    expect(a.tls?.verification).toMatchObject({ chainTrusted, chainError, nameMatches });
    expect(a.tls?.peerChain.length).toBeGreaterThanOrEqual(1);
  });

  it('weak keys and signatures are not trusted either (rsa1024, sha1)', async () => {
    for (const id of ['dovecot-imap-implicit-rsa1024', 'postfix-smtp-starttls-sha1']) {
      const a = await probeOne(id, { injectionTest: false });
      expect(a.status).toBe('success');
      expect(a.tls?.verification.chainTrusted).toBe(false);
    }
  });
});

describe('servers that speak only TLS 1.0/1.1', () => {
  it('Dovecot, implicit: a TLS error at the handshake, nothing else seen', async () => {
    const a = await probeOne('dovecot-imap-implicit-tls11-only');
    expect(a.status).toBe('tls-error');
    expect(a.error?.step).toBe('handshake');
    expect(a.tls).toBeNull();
    expect(a.greeting).toBeNull();
    expect(a.timings.connect).toBeTypeOf('number');
  });

  it('Postfix, STARTTLS: the dialog up to the go-ahead is kept, then the alert', async () => {
    const a = await probeOne('postfix-smtp-starttls-tls11-only');
    expect(a.status).toBe('tls-error');
    expect(a.error).toMatchObject({ step: 'handshake', kind: 'tls', alert: 'protocol_version' });
    expect(a.greeting?.code).toBe(220);
    expect(a.starttls?.outcome).toBe('accepted');
    expect(a.tls).toBeNull();
    // The injection test cannot say anything when no handshake works at all.
    expect(a.injection?.vulnerable).toBe('unknown');
    expect(a.transcript.length).toBeGreaterThan(0);
  });
});

// ── scripted servers ─────────────────────────────────────────────────────────────────────

const servers: Server[] = [];
const sockets = new Set<Socket>();
afterEach(async () => {
  for (const socket of sockets) socket.destroy();
  sockets.clear();
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

/** A server that accepts, reads and never says a word. */
const silentServer = (): Server =>
  createServer((s) => {
    s.on('error', () => undefined);
    s.resume();
  });

async function listen(server: Server, host: string, port = 0): Promise<number> {
  servers.push(server);
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/**
 * A minimal IMAP server with STARTTLS. `vulnerable`: commands that arrived in the same read as
 * STARTTLS are answered after the handshake, inside TLS (the NO STARTTLS bug); otherwise they
 * are discarded, as fixed servers do.
 */
function fakeImap(options: { vulnerable: boolean; certCase?: string }): Server {
  const key = readFileSync(join(pkiDir, `${options.certCase ?? 'good'}.key.pem`));
  const cert = readFileSync(join(pkiDir, `${options.certCase ?? 'good'}.chain.pem`));
  const caps = 'IMAP4rev1 STARTTLS LOGINDISABLED';
  return createServer((socket: Socket) => {
    socket.on('error', () => undefined);
    let buffered = '';
    let stream: Socket = socket;
    const answer = (line: string): boolean => {
      const [tag = '*', command = ''] = line.split(' ');
      switch (command.toUpperCase()) {
        case 'CAPABILITY':
          stream.write(`* CAPABILITY ${caps}\r\n${tag} OK done\r\n`);
          return false;
        case 'NOOP':
          stream.write(`${tag} OK NOOP done\r\n`);
          return false;
        case 'AUTHENTICATE':
          stream.write(`${tag} NO [PRIVACYREQUIRED] not before TLS\r\n`);
          return false;
        case 'LOGOUT':
          stream.end(`* BYE\r\n${tag} OK bye\r\n`);
          return false;
        case 'STARTTLS':
          stream.write(`${tag} OK Begin TLS negotiation now\r\n`);
          return true;
        default:
          stream.write(`${tag} BAD unknown\r\n`);
          return false;
      }
    };
    const onData = (chunk: Buffer): void => {
      buffered += chunk.toString('latin1');
      let nl: number;
      while ((nl = buffered.indexOf('\r\n')) >= 0) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 2);
        if (answer(line) && stream === socket) {
          socket.off('data', onData);
          const pending = options.vulnerable ? buffered : '';
          buffered = '';
          const secure = new TLSSocket(socket, { isServer: true, key, cert });
          secure.on('error', () => undefined);
          stream = secure;
          secure.once('secure', () => {
            for (const l of pending.split('\r\n').filter(Boolean)) answer(l);
            secure.on('data', onData);
          });
          return;
        }
      }
    };
    socket.on('data', onData);
    socket.write(`* OK [CAPABILITY ${caps}] fake ready\r\n`);
  });
}

describe('the STARTTLS command-injection test', () => {
  it('finds a server that answers the pipelined command inside TLS', async () => {
    const port = await listen(fakeImap({ vulnerable: true }), '127.0.0.1');
    const facts = await probeEndpoint(
      { host: 'mail.test.example', port, protocol: 'imap', security: 'starttls' },
      { lookup: bedLookup(), extraCa: [rootCa] },
    );
    const a = facts.addresses[0];
    expect(a?.status).toBe('success');
    expect(a?.connections).toBe(2);
    expect(a?.injection).toMatchObject({ tested: true, command: 'NOOP', vulnerable: true });
    expect(a?.injection?.evidence.join('\n')).toMatch(/inside TLS.*OK NOOP done/);
    // One write carried STARTTLS and the NOOP, and the transcript says so.
    expect(a?.transcript.some((t) => t.dir === 'note' && /one write/.test(t.text))).toBe(true);
    expect(a?.transcript.some((t) => t.dir === 'sent' && /STARTTLS\\r\\n.*NOOP/.test(t.text))).toBe(
      true,
    );
    // The main dialog itself was fine.
    if (a) expectVerified(a, 'mail.test.example');
  });

  it('the same server with the fix: nothing inside TLS, not vulnerable', async () => {
    const port = await listen(fakeImap({ vulnerable: false }), '127.0.0.1');
    const facts = await probeEndpoint(
      { host: 'mail.test.example', port, protocol: 'imap', security: 'starttls' },
      { lookup: bedLookup(), extraCa: [rootCa], injectionWaitMs: 300 },
    );
    expect(facts.addresses[0]?.injection).toMatchObject({ tested: true, vulnerable: false });
  });

  it.each(['postfix-smtp-starttls-good', 'postfix-submission-starttls-good'])(
    '%s: completes the handshake, and the HELP fence (not a timed wait) shows NOOP unanswered',
    async (id) => {
      const a = await probeOne(id);
      expectNotInjectable(a);
      expect(a.injection?.error).toBeUndefined();
      const notes = a.transcript.filter((t) => t.dir === 'note').map((t) => t.text);
      expect(notes.join('\n')).toMatch(/only the HELP fence was answered inside TLS: 5\d\d /);
      expect(notes.join('\n')).not.toMatch(/waiting \d+ ms inside TLS/);
      // Far below the old 400 ms wait on loopback (generous for a loaded machine).
      expect(a.timings['injection-probe']).toBeLessThan(350);
    },
  );

  it('Dovecot and Prosody: not vulnerable either', async () => {
    for (const id of [
      'dovecot-imap-starttls-good',
      'dovecot-pop3-starttls-good',
      'prosody-xmpp-starttls-good',
    ]) {
      const a = await probeOne(id);
      expect(a.injection, id).toMatchObject({ tested: true, vulnerable: false });
    }
  });

  it('is skipped when asked, and never runs for implicit TLS', async () => {
    const off = await probeOne('dovecot-imap-starttls-good', { injectionTest: false });
    expect(off.injection).toBeNull();
    expect(off.connections).toBe(1);
    const implicit = await probeOne('dovecot-imap-implicit-good', { injectionTest: true });
    expect(implicit.injection).toBeNull();
  });
});

describe('every address of the host', () => {
  it('probes each A record in parallel and says which is which', async () => {
    const e = findEndpoint(bed, 'dovecot-imap-implicit-good');
    const facts = await probeEndpoint(targetOf(e), {
      lookup: lookupFor({ 'mail.test.example': ['127.0.0.1', '127.0.0.2'] }),
      extraCa: [rootCa],
    });
    expect(facts.resolved).toEqual(['127.0.0.1', '127.0.0.2']);
    expect(facts.addresses.map((a) => [a.address, a.family, a.status])).toEqual([
      ['127.0.0.1', 4, 'success'],
      ['127.0.0.2', 4, 'connection-refused'],
    ]);
    expect(facts.addresses[1]?.error).toMatchObject({ step: 'connect', kind: 'refused' });
  });

  it('a second node with another certificate shows up as that address’s facts', async () => {
    const e = findEndpoint(bed, 'dovecot-pop3-implicit-good');
    // A stale node on 127.0.0.2, same port, serving the wrong-host certificate.
    const stale = createServer((socket) => {
      socket.on('error', () => undefined);
      const secure = new TLSSocket(socket, {
        isServer: true,
        key: readFileSync(join(pkiDir, 'wrong-host.key.pem')),
        cert: readFileSync(join(pkiDir, 'wrong-host.chain.pem')),
      });
      secure.on('error', () => undefined);
      secure.once('secure', () => secure.write('+OK stale node ready\r\n'));
      secure.on('data', (d: Buffer) => {
        const text = d.toString();
        if (/^CAPA/im.test(text)) secure.write('+OK\r\nUSER\r\n.\r\n');
        if (/^QUIT/im.test(text)) secure.end('+OK bye\r\n');
      });
    });
    await listen(stale, '127.0.0.2', e.port);
    const facts = await probeEndpoint(targetOf(e), {
      lookup: lookupFor({ 'mail.test.example': ['127.0.0.1', '127.0.0.2'] }),
      extraCa: [rootCa],
    });
    const [good, bad] = facts.addresses;
    expect(good?.address).toBe('127.0.0.1');
    expect(good?.tls?.verification.nameMatches).toBe(true);
    expect(bad?.address).toBe('127.0.0.2');
    expect(bad?.status).toBe('success');
    expect(bad?.tls?.verification).toMatchObject({ chainTrusted: true, nameMatches: false });
    expect(bad?.greeting?.lines[0]).toContain('stale node');
  });
});

describe('deadlines, cancel and progress', () => {
  it('a server that never greets ends at the whole-probe deadline, with what was seen', async () => {
    const port = await listen(silentServer(), '127.0.0.1');
    const t0 = Date.now();
    const facts = await probeEndpoint(
      { host: 'mail.test.example', port, protocol: 'imap', security: 'starttls' },
      { lookup: bedLookup(), overallTimeoutMs: 500 },
    );
    expect(Date.now() - t0).toBeLessThan(5_000);
    const a = facts.addresses[0];
    expect(a?.status).toBe('io-timeout');
    expect(a?.error?.step).toBe('greeting');
    expect(a?.timings.connect).toBeTypeOf('number');
  });

  it('a cancel ends the probe with status cancelled', async () => {
    const port = await listen(silentServer(), '127.0.0.1');
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 200);
    const t0 = Date.now();
    const facts = await probeEndpoint(
      { host: 'mail.test.example', port, protocol: 'pop3', security: 'implicit' },
      { lookup: bedLookup(), signal: controller.signal },
    );
    expect(Date.now() - t0).toBeLessThan(5_000);
    expect(facts.addresses[0]?.status).toBe('cancelled');
  });

  it('reports progress per step and address', async () => {
    const events: ProbeProgress[] = [];
    await probe('dovecot-imap-starttls-good', { onProgress: (e) => events.push(e) });
    expect(events[0]).toEqual({ step: 'resolve', state: 'started' });
    expect(events).toContainEqual({ address: '127.0.0.1', step: 'connect', state: 'done' });
    expect(events).toContainEqual({ address: '127.0.0.1', step: 'handshake', state: 'done' });
    expect(events.some((e) => e.step === 'injection-probe' && e.state !== 'started')).toBe(true);
    expect(events.filter((e) => e.state === 'failed')).toEqual([]);
  });
});
