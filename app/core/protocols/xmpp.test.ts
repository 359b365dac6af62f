/**
 * The XMPP dialog against scripted servers on loopback (plain TCP: TLS against the real
 * Prosody is in test/integration/probe-xmpp.test.ts). Hostile servers end in bounded time
 * with a ProbeError that says what went wrong.
 */
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ProbeError } from '../net/errors';
import { connect, type TcpConnection } from '../net/tcp-connection';
import type { Timeouts } from '../net/types';
import type { DialogSession } from './dialog';
import { condition, featuresToCapabilities, plainUsername, streamHeader, xmppDialog } from './xmpp';
import type { XmlElement } from './xmpp-stream';

const STREAM_NS = "xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'";
const HEADER = `<?xml version='1.0'?><stream:stream ${STREAM_NS} from='test.example' id='s1' version='1.0' xml:lang='en'>`;
const TLS_NS = 'urn:ietf:params:xml:ns:xmpp-tls';
const SASL_NS = 'urn:ietf:params:xml:ns:xmpp-sasl';
const FEATURES_REQUIRED = `<stream:features><starttls xmlns='${TLS_NS}'><required/></starttls></stream:features>`;
const FEATURES_OPTIONAL =
  `<stream:features><starttls xmlns='${TLS_NS}'/>` +
  `<mechanisms xmlns='${SASL_NS}'><mechanism>SCRAM-SHA-1</mechanism><mechanism>PLAIN</mechanism></mechanisms>` +
  "<register xmlns='http://jabber.org/features/iq-register'/><sm xmlns='urn:xmpp:sm:2'/>" +
  "<sm xmlns='urn:xmpp:sm:3'/><csi xmlns='urn:xmpp:csi:0'/></stream:features>";

/** One scripted client connection on the server side. */
class Peer {
  received = '';
  readonly #socket: net.Socket;
  #wake: (() => void) | null = null;

  constructor(socket: net.Socket) {
    this.#socket = socket;
    socket.on('data', (d: Buffer) => {
      this.received += d.toString('utf8');
      this.#wake?.();
    });
    socket.on('error', () => undefined);
  }

  /** Waits until the client has sent `text` (after everything consumed so far). */
  async waitFor(text: string, ms = 5000): Promise<void> {
    const until = Date.now() + ms;
    while (!this.received.includes(text)) {
      if (Date.now() > until) throw new Error(`client never sent ${text}; got ${this.received}`);
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
        setTimeout(resolve, 50);
      });
    }
  }

  send(data: string | Buffer): void {
    if (!this.#socket.destroyed) this.#socket.write(data);
  }

  end(): void {
    this.#socket.end();
  }
}

const servers: net.Server[] = [];
const connections: TcpConnection[] = [];

afterEach(async () => {
  for (const c of connections.splice(0)) await c.close();
  for (const s of servers.splice(0)) {
    s.close();
    (s as net.Server & { closeAllConnections?: () => void }).closeAllConnections?.();
  }
});

interface Scripted {
  readonly conn: TcpConnection;
  readonly session: DialogSession;
  /** The server side, once the client connected. */
  readonly peer: Promise<Peer>;
}

async function scripted(
  script: (peer: Peer) => Promise<void> | void,
  timeouts: Partial<Timeouts> = { step: 3000 },
  context: { xmppDomain?: string; serverName?: string } = {},
): Promise<Scripted> {
  const sockets: net.Socket[] = [];
  let resolvePeer!: (p: Peer) => void;
  const peer = new Promise<Peer>((resolve) => (resolvePeer = resolve));
  const server = net.createServer((socket) => {
    sockets.push(socket);
    const p = new Peer(socket);
    resolvePeer(p);
    void Promise.resolve(script(p)).catch(() => socket.destroy());
  });
  server.on('close', () => sockets.forEach((s) => s.destroy()));
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  const conn = await connect({ address: '127.0.0.1', port, timeouts });
  connections.push(conn);
  const session = xmppDialog.create(conn, {
    serverName: context.serverName ?? 'xmpp.test.example',
    localAddress: '127.0.0.1',
    ...(context.xmppDomain !== undefined ? { xmppDomain: context.xmppDomain } : {}),
  });
  return { conn, session, peer };
}

async function failure(p: Promise<unknown>): Promise<ProbeError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof ProbeError) return err;
    throw err;
  }
  throw new Error('expected a ProbeError');
}

/** A server that answers our stream header with its own and `features`. */
function greets(features: string, then?: (peer: Peer) => Promise<void>) {
  return async (peer: Peer): Promise<void> => {
    await peer.waitFor('<stream:stream');
    peer.send(HEADER + features);
    await then?.(peer);
  };
}

describe('xmppDialog', () => {
  it('describes itself', () => {
    expect(xmppDialog.protocol).toBe('xmpp');
    expect(xmppDialog.defaultPorts).toEqual({ starttls: 5222, implicit: 5223 });
    expect(xmppDialog.alpn).toEqual(['xmpp-client']);
  });

  it('opens the stream to the XMPP domain and reads required STARTTLS', async () => {
    const { session, peer, conn } = await scripted(
      greets(FEATURES_REQUIRED, async (p) => {
        await p.waitFor('<starttls');
        p.send(`<proceed xmlns='${TLS_NS}'/>`);
      }),
      undefined,
      { xmppDomain: "test.example'x" },
    );
    const greeting = await session.greet();
    expect(greeting).toEqual({
      kind: 'ok',
      lines: ["<stream:stream from='test.example' id='s1' version='1.0' xml:lang='en'>"],
    });
    expect((await peer).received).toBe(
      "<?xml version='1.0'?><stream:stream to='test.example&#39;x' version='1.0' " +
        "xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>",
    );
    const caps = await session.capabilities('before-tls');
    expect(caps).toEqual({
      raw: [`<starttls xmlns='${TLS_NS}'><required/></starttls>`],
      listed: true,
      starttls: true,
      starttlsRequired: true,
      saslMechanisms: [],
      passwordLogin: false,
      extensions: {},
    });
    expect(await session.probeLoginBeforeTls(caps)).toBeNull();
    const reply = await session.requestStartTls();
    expect(reply).toEqual({ outcome: 'accepted', reply: [`<proceed xmlns='${TLS_NS}'/>`] });
    expect(conn.transcript.filter((e) => e.dir === 'sent').map((e) => e.text)).toEqual([
      expect.stringContaining('<stream:stream'),
      `<starttls xmlns='${TLS_NS}'/>`,
    ]);
  });

  it('uses the server name when no XMPP domain is given', async () => {
    const { session, peer } = await scripted(greets(FEATURES_REQUIRED));
    await session.greet();
    expect((await peer).received).toContain("to='xmpp.test.example'");
  });

  it('reads optional STARTTLS, SASL mechanisms and other features as facts', async () => {
    const { session } = await scripted(greets(FEATURES_OPTIONAL));
    await session.greet();
    const caps = await session.capabilities('before-tls');
    expect(caps.starttls).toBe(true);
    expect(caps.starttlsRequired).toBe(false);
    expect(caps.saslMechanisms).toEqual(['SCRAM-SHA-1', 'PLAIN']);
    expect(caps.passwordLogin).toBe(true);
    expect(caps.extensions).toEqual({
      register: 'http://jabber.org/features/iq-register',
      sm: 'urn:xmpp:sm:2 urn:xmpp:sm:3',
      csi: 'urn:xmpp:csi:0',
    });
    expect(caps.raw).toHaveLength(6);
  });

  it('keeps a feature named __proto__ as a plain fact', async () => {
    const { session } = await scripted(
      greets("<stream:features><__proto__ xmlns='x'/><constructor xmlns='y'/></stream:features>"),
    );
    await session.greet();
    const caps = await session.capabilities('before-tls');
    expect(Object.getOwnPropertyNames(caps.extensions)).toEqual(['__proto__', 'constructor']);
    expect(JSON.parse(JSON.stringify(caps.extensions))).toEqual(
      JSON.parse('{"__proto__":"x","constructor":"y"}'),
    );
  });

  it('probes PLAIN before TLS without a secret and cancels when invited', async () => {
    const { session, peer } = await scripted(
      greets(FEATURES_OPTIONAL, async (p) => {
        await p.waitFor("mechanism='PLAIN'/>");
        p.send(`<challenge xmlns='${SASL_NS}'/>`);
        await p.waitFor('<abort');
        p.send(`<failure xmlns='${SASL_NS}'><aborted/></failure>`);
      }),
    );
    await session.greet();
    const caps = await session.capabilities('before-tls');
    const facts = await session.probeLoginBeforeTls(caps);
    expect(facts).toEqual({
      command: "<auth mechanism='PLAIN'/>",
      invited: true,
      reply: [`<challenge xmlns='${SASL_NS}'/>`, 'failure aborted'],
    });
    const sent = (await peer).received;
    expect(sent).toContain(
      `<auth xmlns='${SASL_NS}' mechanism='PLAIN'/><abort xmlns='${SASL_NS}'/>`,
    );
    expect(sent).not.toMatch(/<auth[^>]*>[^<]/); // no initial response, ever
  });

  it('records a refused PLAIN before TLS (encryption-required)', async () => {
    const { session } = await scripted(
      greets(FEATURES_OPTIONAL, async (p) => {
        await p.waitFor("mechanism='PLAIN'/>");
        p.send(`<failure xmlns='${SASL_NS}'><encryption-required/><text>Use TLS</text></failure>`);
      }),
    );
    await session.greet();
    const facts = await session.probeLoginBeforeTls(await session.capabilities('before-tls'));
    expect(facts).toEqual({
      command: "<auth mechanism='PLAIN'/>",
      invited: false,
      reply: ['failure encryption-required "Use TLS"'],
    });
  });

  it('records STARTTLS refused with <failure/>', async () => {
    const { session } = await scripted(
      greets(FEATURES_OPTIONAL, async (p) => {
        await p.waitFor('<starttls');
        p.send(`<failure xmlns='${TLS_NS}'/></stream:stream>`);
        p.end();
      }),
    );
    await session.greet();
    await session.capabilities('before-tls');
    expect(await session.requestStartTls()).toEqual({
      outcome: 'refused',
      reply: ['failure (no condition)'],
    });
  });

  it('gives the bytes after <proceed/> back to the connection as plaintext', async () => {
    const { session, conn } = await scripted(
      greets(FEATURES_REQUIRED, async (p) => {
        await p.waitFor('<starttls');
        p.send(`<proceed xmlns='${TLS_NS}'/><iq type='result' id='evil'/>`);
      }),
    );
    await session.greet();
    await session.capabilities('before-tls');
    expect((await session.requestStartTls()).outcome).toBe('accepted');
    const left = await conn.drain('handshake', 1000);
    expect(left.toString('utf8')).toBe("<iq type='result' id='evil'/>");
  });

  it('reports an immediate stream error as a rejecting greeting with its condition', async () => {
    const { session } = await scripted(async (p) => {
      await p.waitFor('<stream:stream');
      p.send(
        HEADER +
          "<stream:error><host-unknown xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error></stream:stream>",
      );
      p.end();
    });
    const greeting = await session.greet();
    expect(greeting.kind).toBe('reject');
    expect(greeting.lines[1]).toBe('stream:error host-unknown');
  });

  it('treats a stream without version 1.0 as one without features', async () => {
    const { session } = await scripted(async (p) => {
      await p.waitFor('<stream:stream');
      p.send(`<?xml version='1.0'?><stream:stream ${STREAM_NS} from='old.example' id='x'>`);
    });
    expect((await session.greet()).kind).toBe('other');
    const caps = await session.capabilities('before-tls');
    expect(caps).toMatchObject({ listed: false, starttls: false, starttlsRequired: 'unknown' });
  });

  it('refuses to send a password without verified TLS, and sends nothing', async () => {
    const { session, peer, conn } = await scripted(greets(FEATURES_OPTIONAL));
    await session.greet();
    await session.capabilities('before-tls');
    const err = await failure(session.login({ user: 'alice@test.example', password: 'hunter2' }));
    expect(err.fact).toMatchObject({ kind: 'unsafe', step: 'login' });
    await new Promise((r) => setTimeout(r, 50));
    expect((await peer).received).not.toContain('<auth');
    expect(JSON.stringify(conn.transcript)).not.toContain('hunter2');
  });

  it('says goodbye with </stream:stream> and never throws from quit', async () => {
    const { session, peer, conn } = await scripted(greets(FEATURES_REQUIRED));
    await session.greet();
    await session.quit();
    await (await peer).waitFor('</stream:stream>');
    await conn.close();
    await expect(session.quit()).resolves.toBeUndefined();
  });

  describe('hostile servers end in bounded time', () => {
    const deadline = 10_000;

    it('deeply nested features: depth limit', async () => {
      const { session } = await scripted(async (p) => {
        await p.waitFor('<stream:stream');
        p.send(HEADER + '<stream:features>' + '<x>'.repeat(100_000));
      });
      const started = Date.now();
      const err = await failure(session.greet());
      expect(err.fact).toMatchObject({ kind: 'limit', limit: { name: 'maxDepth' } });
      expect(Date.now() - started).toBeLessThan(deadline);
    });

    it('a huge attribute: a limit, not a buffer that grows', async () => {
      const { session } = await scripted(async (p) => {
        await p.waitFor('<stream:stream');
        p.send(HEADER + "<stream:features><starttls xmlns='" + TLS_NS + "' junk='");
        const block = 'A'.repeat(64 * 1024);
        for (let i = 0; i < 160 && !p.received.includes('never'); i++) p.send(block);
      });
      const err = await failure(session.greet());
      expect(err.fact.kind).toBe('limit');
      expect(err.fact.step).toBe('greeting');
    });

    it('a DTD with entity declarations (billion laughs): refused, not expanded', async () => {
      const { session } = await scripted(async (p) => {
        await p.waitFor('<stream:stream');
        p.send(
          "<?xml version='1.0'?><!DOCTYPE s [<!ENTITY a 'aaaaaaaaaa'><!ENTITY b '&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;'>" +
            "<!ENTITY c '&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;'>]>" +
            `<stream:stream ${STREAM_NS} version='1.0'><stream:features>&c;</stream:features>`,
        );
      });
      const err = await failure(session.greet());
      expect(err.fact).toMatchObject({
        kind: 'protocol',
        message: 'restricted XML: DTD not allowed',
      });
    });

    it('garbage instead of a stream header: protocol error with evidence', async () => {
      const { session } = await scripted(async (p) => {
        await p.waitFor('<stream:stream');
        p.send('220 smtp.example ESMTP\r\n');
      });
      const err = await failure(session.greet());
      expect(err.fact).toMatchObject({ kind: 'protocol', step: 'greeting' });
    });

    it('a one-byte drip: the step deadline ends it', async () => {
      const { session } = await scripted(
        async (p) => {
          await p.waitFor('<stream:stream');
          for (const ch of HEADER) {
            if (p.received.includes('</stream:stream>')) return;
            p.send(ch);
            await new Promise((r) => setTimeout(r, 100));
          }
        },
        { step: 600 },
      );
      const started = Date.now();
      const err = await failure(session.greet());
      expect(err.fact).toMatchObject({ kind: 'timeout', step: 'greeting' });
      expect(Date.now() - started).toBeLessThan(deadline);
    });

    it('features that never come: the step deadline ends it', async () => {
      const { session } = await scripted(
        async (p) => {
          await p.waitFor('<stream:stream');
          p.send(HEADER);
        },
        { step: 500 },
      );
      const err = await failure(session.greet());
      expect(err.fact).toMatchObject({ kind: 'timeout', step: 'greeting' });
    });

    it('the server closes the stream instead of answering STARTTLS', async () => {
      const { session } = await scripted(
        greets(FEATURES_REQUIRED, async (p) => {
          await p.waitFor('<starttls');
          p.send('</stream:stream>');
        }),
      );
      await session.greet();
      await session.capabilities('before-tls');
      const err = await failure(session.requestStartTls());
      expect(err.fact).toMatchObject({ kind: 'closed', step: 'starttls' });
    });

    it('the server resets after the header', async () => {
      const { session } = await scripted(async (p) => {
        await p.waitFor('<stream:stream');
        p.send(HEADER);
        p.end();
      });
      const err = await failure(session.greet());
      expect(err.fact).toMatchObject({ kind: 'closed', step: 'greeting' });
    });

    it('an unexpected element instead of features: protocol error', async () => {
      const { session } = await scripted(async (p) => {
        await p.waitFor('<stream:stream');
        p.send(HEADER + '<message><body>hello</body></message>');
      });
      const err = await failure(session.greet());
      expect(err.fact).toMatchObject({
        kind: 'protocol',
        evidence: '<message><body>hello</body></message>',
      });
    });
  });
});

describe('helpers', () => {
  it('builds the stream header with an escaped domain', () => {
    expect(streamHeader('a&b')).toContain("to='a&#38;b'");
  });

  it('takes the localpart of an XMPP address as the PLAIN user', () => {
    expect(plainUsername('alice@test.example')).toBe('alice');
    expect(plainUsername('alice@test.example/phone')).toBe('alice');
    expect(plainUsername('alice')).toBe('alice');
    expect(plainUsername('test.example/r@x')).toBe('test.example/r@x');
  });

  it('reads stream error and SASL failure conditions', () => {
    const el = (name: string, ns: string, children: XmlElement[] = [], text = ''): XmlElement => ({
      name,
      ns,
      attrs: {},
      children,
      text,
    });
    const streams = 'urn:ietf:params:xml:ns:xmpp-streams';
    expect(
      condition(
        el('error', 'http://etherx.jabber.org/streams', [
          el('text', streams, [], 'bye'),
          el('policy-violation', streams),
        ]),
      ),
    ).toEqual({ condition: 'policy-violation', text: 'bye' });
    expect(condition(el('failure', SASL_NS, [el('not-authorized', SASL_NS)]))).toEqual({
      condition: 'not-authorized',
      text: null,
    });
  });

  it('says unknown about required when STARTTLS is not offered', () => {
    const caps = featuresToCapabilities({
      name: 'features',
      ns: 'http://etherx.jabber.org/streams',
      attrs: {},
      children: [],
      text: '',
    });
    expect(caps).toMatchObject({
      starttls: false,
      starttlsRequired: 'unknown',
      passwordLogin: false,
    });
  });
});
