/**
 * The XMPP dialog (app/core/protocols/xmpp.ts) over the real Connection against the bed's
 * Prosody: the facts match what Prosody really does before and after TLS, a login works only
 * over verified TLS, and the password never reaches a transcript. A scripted TLS server covers
 * what Prosody does not do: plaintext after <proceed/>, and answering a pipelined stanza
 * inside TLS (STARTTLS command injection).
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ProbeError } from '../../app/core/net/errors';
import { connect, connectTls, type TcpConnection } from '../../app/core/net/tcp-connection';
import type { Connection } from '../../app/core/net/types';
import { runInjectionTest } from '../../app/core/probe/injection';
import type { DialogSession } from '../../app/core/protocols/dialog';
import { xmppDialog } from '../../app/core/protocols/xmpp';
import { findEndpoint, loadBed, type BedEndpoint } from '../bed/endpoints';
import { generatePki } from '../bed/pki';
import type { Pki } from '../bed/types';

const bed = loadBed();
const rootCa = await readFile(bed.rootCaFile, 'utf8');
const password = bed.user.password;
const secretForms = [
  password,
  Buffer.from(password).toString('base64'),
  Buffer.from(`\0${bed.user.name}\0${password}`).toString('base64'),
  Buffer.from(`\0${bed.user.xmppAddress.split('@')[0] ?? ''}\0${password}`).toString('base64'),
];

const opened: Connection[] = [];
afterEach(async () => {
  for (const c of opened.splice(0)) await c.close();
});

function domainOf(ep: BedEndpoint): string {
  if (!ep.xmppDomain) throw new Error(`${ep.id} has no xmppDomain`);
  return ep.xmppDomain;
}

function sessionFor(conn: TcpConnection, ep: BedEndpoint): DialogSession {
  return xmppDialog.create(conn, {
    serverName: ep.serverName,
    xmppDomain: domainOf(ep),
    localAddress: conn.localAddress,
  });
}

async function plain(ep: BedEndpoint): Promise<TcpConnection> {
  const conn = await connect({ address: ep.host, port: ep.port });
  opened.push(conn);
  return conn;
}

function expectNoSecret(conn: Connection): void {
  const text = JSON.stringify(conn.transcript);
  for (const s of secretForms) expect(text).not.toContain(s);
}

describe('XMPP dialog against Prosody', () => {
  it('STARTTLS required: <required/>, no SASL before TLS; PLAIN and SCRAM after; login ok', async () => {
    const ep = findEndpoint(bed, 'prosody-xmpp-starttls-good');
    const conn = await plain(ep);
    const session = sessionFor(conn, ep);

    const greeting = await session.greet();
    expect(greeting.kind).toBe('ok');
    expect(greeting.lines[0]).toContain(`from='${domainOf(ep)}'`);
    expect(greeting.lines[0]).toContain("version='1.0'");

    const before = await session.capabilities('before-tls');
    expect(before).toMatchObject({
      listed: true,
      starttls: true,
      starttlsRequired: true,
      saslMechanisms: [],
      passwordLogin: false,
    });
    expect(await session.probeLoginBeforeTls(before)).toBeNull();

    expect((await session.requestStartTls()).outcome).toBe('accepted');
    const upgrade = await conn.startTls({ serverName: domainOf(ep), extraCa: [rootCa] });
    expect(upgrade.plaintextAfterGoAhead.length).toBe(0);
    expect(conn.identityVerified).toBe(true);

    const after = await session.capabilities('after-tls');
    expect(after.starttls).toBe(false);
    expect(after.starttlsRequired).toBe('unknown');
    expect(after.saslMechanisms).toEqual(expect.arrayContaining(['PLAIN', 'SCRAM-SHA-1']));
    expect(after.passwordLogin).toBe(true);

    const login = await session.login({ user: bed.user.xmppAddress, password });
    expect(login).toEqual({ ok: true, reply: [expect.stringMatching(/^<success/)] });
    await session.quit();

    const redacted = conn.transcript.filter((e) => e.redacted);
    expect(redacted).toHaveLength(1);
    expect(redacted[0]).toMatchObject({ dir: 'sent', tls: true });
    expect(redacted[0]?.text).toContain('<credentials removed>');
    expectNoSecret(conn);
  });

  it('a wrong password: not ok, with the SASL condition', async () => {
    const ep = findEndpoint(bed, 'prosody-xmpp-starttls-good');
    const conn = await plain(ep);
    const session = sessionFor(conn, ep);
    await session.greet();
    await session.capabilities('before-tls');
    await session.requestStartTls();
    await conn.startTls({ serverName: domainOf(ep), extraCa: [rootCa] });
    await session.capabilities('after-tls');
    const login = await session.login({ user: bed.user.xmppAddress, password: `${password}-x` });
    expect(login).toEqual({ ok: false, reply: [expect.stringMatching(/^failure not-authorized/)] });
    expectNoSecret(conn);
  });

  it('STARTTLS optional: SCRAM-SHA-1 only before TLS (no PLAIN to probe), PLAIN after', async () => {
    const ep = findEndpoint(bed, 'prosody-xmpp-starttls-optional-good');
    const conn = await plain(ep);
    const session = sessionFor(conn, ep);
    expect((await session.greet()).kind).toBe('ok');
    const before = await session.capabilities('before-tls');
    expect(before).toMatchObject({
      starttls: true,
      starttlsRequired: false,
      saslMechanisms: ['SCRAM-SHA-1'],
      passwordLogin: false,
    });
    expect(await session.probeLoginBeforeTls(before)).toBeNull();
    expect((await session.requestStartTls()).outcome).toBe('accepted');
    await conn.startTls({ serverName: domainOf(ep), extraCa: [rootCa] });
    const after = await session.capabilities('after-tls');
    expect(after.saslMechanisms).toEqual(expect.arrayContaining(['PLAIN', 'SCRAM-SHA-1']));
    expect(after.passwordLogin).toBe(true);
    await session.quit();
  });

  it('direct TLS (XEP-0368): ALPN xmpp-client and SNI, the stream opens inside TLS, login ok', async () => {
    const ep = findEndpoint(bed, 'prosody-xmpp-implicit-good');
    const { connection: conn, upgrade } = await connectTls({
      address: ep.host,
      port: ep.port,
      tls: { serverName: domainOf(ep), alpn: xmppDialog.alpn, extraCa: [rootCa] },
    });
    opened.push(conn);
    expect(upgrade.tls.alpn).toBe('xmpp-client');
    expect(upgrade.tls.sniSent).toBe(domainOf(ep));
    expect(conn.identityVerified).toBe(true);

    const session = sessionFor(conn, ep);
    expect((await session.greet()).kind).toBe('ok');
    const caps = await session.capabilities('after-tls');
    expect(caps.starttls).toBe(false);
    expect(caps.saslMechanisms).toEqual(expect.arrayContaining(['PLAIN', 'SCRAM-SHA-1']));
    // One stream header only: on direct TLS nothing is re-opened.
    const headers = conn.transcript.filter(
      (e) => e.dir === 'sent' && e.text.includes('<stream:stream'),
    );
    expect(headers).toHaveLength(1);
    expect((await session.login({ user: bed.user.xmppAddress, password })).ok).toBe(true);
    expectNoSecret(conn);
  });

  it('an expired certificate: the handshake completes, the login is refused before sending', async () => {
    const ep = findEndpoint(bed, 'prosody-xmpp-starttls-expired');
    const conn = await plain(ep);
    const session = sessionFor(conn, ep);
    await session.greet();
    await session.capabilities('before-tls');
    expect((await session.requestStartTls()).outcome).toBe('accepted');
    const upgrade = await conn.startTls({ serverName: domainOf(ep), extraCa: [rootCa] });
    expect(upgrade.tls.verification.chainError).toBe('CERT_HAS_EXPIRED');
    expect(conn.identityVerified).toBe(false);
    const after = await session.capabilities('after-tls');
    expect(after.passwordLogin).toBe(true);

    const err = await session
      .login({ user: bed.user.xmppAddress, password })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProbeError);
    expect((err as ProbeError).fact).toMatchObject({ kind: 'unsafe', step: 'login' });
    expect(conn.transcript.some((e) => e.redacted)).toBe(false);
    expectNoSecret(conn);
  });

  it('STARTTLS with an iq ping pipelined: Prosody answers it in plaintext after <proceed/>', async () => {
    const ep = findEndpoint(bed, 'prosody-xmpp-starttls-good');
    const conn = await plain(ep);
    const session = sessionFor(conn, ep);
    await session.greet();
    await session.capabilities('before-tls');
    const injected = session.injectionCommand();
    expect(injected.name).toBe('iq ping');
    await conn.write('injection-probe', session.startTlsCommand() + injected.data);
    expect((await session.readStartTlsReply()).outcome).toBe('accepted');
    // What Prosody really does: it keeps parsing the pipelined bytes as the start of the next
    // stream, still in plaintext, refuses them with a stream error and closes. The reader gave
    // those bytes back to the Connection instead of parsing them as part of the old stream.
    let after = '';
    for (let i = 0; i < 10 && !after.includes('</stream:stream>'); i++) {
      const more = await conn.drain('injection-probe', 500);
      if (more.length === 0) break;
      after += more.toString('utf8');
    }
    expect(after).toContain('<stream:stream');
    expect(after).toContain('invalid-namespace');
  });
});

describe('XMPP dialog against a scripted TLS server', () => {
  let dir: string;
  let pki: Pki;
  let key: string;
  let cert: string;
  const servers: net.Server[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sealcheck-xmpp-'));
    pki = await generatePki(dir);
    key = await readFile(pki.cases.good.keyFile, 'utf8');
    cert = await readFile(pki.cases.good.chainFile, 'utf8');
  });
  afterAll(async () => {
    for (const s of servers) s.close();
    await rm(dir, { recursive: true, force: true });
  });

  const HEADER =
    "<?xml version='1.0'?><stream:stream xmlns='jabber:client' " +
    "xmlns:stream='http://etherx.jabber.org/streams' from='mail.test.example' id='t' version='1.0'>";
  const FEATURES =
    "<stream:features><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/></stream:features>";
  const PROCEED = "<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>";

  /**
   * A server that says <proceed/> (followed by `afterProceed` in the same segment), runs TLS
   * on the same socket and, when `executePipelined`, answers whatever stanza was pipelined
   * after <starttls/> inside TLS, as a vulnerable server would.
   */
  async function server(afterProceed: string, executePipelined: boolean): Promise<number> {
    const srv = net.createServer((socket) => {
      socket.on('error', () => undefined);
      let got = '';
      const onData = (d: Buffer): void => {
        got += d.toString('utf8');
        if (got.includes('<stream:stream') && !got.includes('@sent-features')) {
          got += '@sent-features';
          socket.write(HEADER + FEATURES);
        }
        const at = got.indexOf('<starttls');
        if (at < 0) return;
        socket.off('data', onData);
        socket.pause();
        const pipelined = got.slice(got.indexOf('/>', at) + 2);
        socket.write(PROCEED + afterProceed);
        const secure = new tls.TLSSocket(socket, { isServer: true, key, cert });
        secure.on('error', () => undefined);
        secure.once('secure', () => {
          if (executePipelined && pipelined.includes('<iq')) {
            secure.write("<iq type='result' id='sealcheck-inj'/>");
          }
        });
      };
      socket.on('data', onData);
    });
    servers.push(srv);
    await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
    return (srv.address() as net.AddressInfo).port;
  }

  it('reports plaintext sent after <proceed/> in the same segment', async () => {
    const port = await server('<message><body>plaintext</body></message>', false);
    const conn = await connect({ address: '127.0.0.1', port });
    opened.push(conn);
    const session = xmppDialog.create(conn, {
      serverName: 'mail.test.example',
      localAddress: conn.localAddress,
    });
    await session.greet();
    await session.capabilities('before-tls');
    expect((await session.requestStartTls()).outcome).toBe('accepted');
    const upgrade = await conn.startTls({
      serverName: 'mail.test.example',
      extraCa: [await readFile(pki.rootCaFile, 'utf8')],
    });
    expect(upgrade.plaintextAfterGoAhead.toString('utf8')).toBe(
      '<message><body>plaintext</body></message>',
    );
  });

  it('detects a server that answers the pipelined iq inside TLS', async () => {
    const port = await server('', true);
    const ca = await readFile(pki.rootCaFile, 'utf8');
    const result = await runInjectionTest({
      dialog: xmppDialog,
      open: async () => {
        const c = await connect({ address: '127.0.0.1', port });
        opened.push(c);
        return c;
      },
      context: () => ({ serverName: 'mail.test.example', localAddress: '127.0.0.1' }),
      tls: { serverName: 'mail.test.example', extraCa: [ca] },
      waitMs: 1000,
    });
    expect(result.facts.vulnerable).toBe(true);
    expect(result.facts.evidence.join(' ')).toContain('sealcheck-inj');
  });
});
