/**
 * The hostile servers themselves: the dialog servers must be correct where their script does not
 * make them hostile (otherwise a probe test would pass or fail for the wrong reason), and the
 * streaming behaviours must respect backpressure.
 */
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { describe, expect, it } from 'vitest';
import {
  HOSTILE_NAME,
  raw,
  startDialogServer,
  startHostileServer,
  type HostileServer,
} from './servers';
import { hostileCert } from './tls-servers';

/**
 * Closes the server when its own test ends. Tests run concurrently: only the test context's
 * onTestFinished knows which test is which.
 */
async function track(
  context: { onTestFinished: (fn: () => Promise<void>) => void },
  p: Promise<HostileServer>,
): Promise<HostileServer> {
  const s = await p;
  context.onTestFinished(() => s.close());
  return s;
}

/** A tiny scripted client: reads until a pattern, writes lines, upgrades to TLS. */
class Client {
  #buf = '';
  #socket: Socket | TLSSocket;
  #wake: (() => void) | null = null;
  constructor(socket: Socket) {
    this.#socket = socket;
    this.#listen(socket);
  }
  #listen(socket: Socket): void {
    socket.on('data', (d: Buffer) => {
      this.#buf += d.toString('latin1');
      this.#wake?.();
    });
    socket.on('error', () => undefined);
  }
  static async open(port: number): Promise<Client> {
    const socket = netConnect({ host: '127.0.0.1', port });
    await new Promise((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    return new Client(socket);
  }
  async until(pattern: RegExp): Promise<string> {
    for (;;) {
      const m = pattern.exec(this.#buf);
      if (m) {
        const upTo = this.#buf.slice(0, m.index + m[0].length);
        this.#buf = this.#buf.slice(m.index + m[0].length);
        return upTo;
      }
      await new Promise<void>((resolve) => (this.#wake = resolve));
    }
  }
  send(text: string): void {
    this.#socket.write(text);
  }
  async upgrade(): Promise<void> {
    const { cert } = await hostileCert();
    const raw = this.#socket as Socket;
    raw.removeAllListeners('data');
    const secure = tlsConnect({ socket: raw, servername: HOSTILE_NAME, ca: [cert] });
    await new Promise((resolve, reject) => {
      secure.once('secureConnect', resolve);
      secure.once('error', reject);
    });
    this.#socket = secure;
    this.#listen(secure);
  }
  close(): void {
    this.#socket.destroy();
  }
}

describe.concurrent('hostile toolkit', () => {
  it('IMAP dialog server: capability, authenticate cancel, STARTTLS, capability inside TLS', async (context) => {
    const server = await track(context, startDialogServer('imap'));
    const c = await Client.open(server.port);
    expect(await c.until(/\r\n/)).toMatch(/^\* OK/);
    c.send('a1 CAPABILITY\r\n');
    expect(await c.until(/a1 OK.*\r\n/)).toContain('STARTTLS');
    c.send('a2 AUTHENTICATE PLAIN\r\n');
    expect(await c.until(/\r\n/)).toBe('+ \r\n');
    c.send('*\r\n');
    expect(await c.until(/\r\n/)).toMatch(/^a2 BAD/);
    c.send('a3 STARTTLS\r\n');
    expect(await c.until(/\r\n/)).toMatch(/^a3 OK/);
    await c.upgrade();
    c.send('a4 CAPABILITY\r\n');
    const caps = await c.until(/a4 OK.*\r\n/);
    expect(caps).toContain('AUTH=PLAIN');
    expect(caps).not.toContain('STARTTLS');
    c.close();
  });

  it('SMTP dialog server with plaintext after the go-ahead, and an injection-vulnerable one', async (context) => {
    const server = await track(
      context,
      startDialogServer('smtp', {
        plaintextAfterGoAhead: '250 injected\r\n',
        injectionVulnerable: true,
      }),
    );
    const c = await Client.open(server.port);
    await c.until(/^220 .*\r\n/m);
    c.send('EHLO [127.0.0.1]\r\n');
    expect(await c.until(/^250 .*\r\n/m)).toContain('250-STARTTLS');
    c.send('STARTTLS\r\nNOOP\r\n');
    expect(await c.until(/250 injected\r\n/)).toContain('220 2.0.0');
    await c.upgrade();
    // The pipelined NOOP is answered inside TLS: the NO STARTTLS command injection bug.
    expect(await c.until(/\r\n/)).toMatch(/^250 2\.0\.0 OK/);
    c.close();
  });

  it('POP3 dialog server: CAPA, STLS, CAPA inside TLS', async (context) => {
    const server = await track(context, startDialogServer('pop3'));
    const c = await Client.open(server.port);
    await c.until(/\r\n/);
    c.send('CAPA\r\n');
    expect(await c.until(/\r\n\.\r\n/)).toContain('STLS');
    c.send('STLS\r\n');
    await c.until(/\r\n/);
    await c.upgrade();
    c.send('CAPA\r\n');
    expect(await c.until(/\r\n\.\r\n/)).not.toContain('STLS');
    c.close();
  });

  it('XMPP dialog server: stream, features, STARTTLS proceed, restart inside TLS', async (context) => {
    const server = await track(context, startDialogServer('xmpp'));
    const c = await Client.open(server.port);
    const open =
      "<?xml version='1.0'?><stream:stream to='hostile.test' version='1.0' xmlns='jabber:client'" +
      " xmlns:stream='http://etherx.jabber.org/streams'>";
    c.send(open);
    expect(await c.until(/<\/stream:features>/)).toContain('<starttls');
    c.send("<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>");
    await c.until(/<proceed[^>]*\/>/);
    await c.upgrade();
    c.send(open);
    const features = await c.until(/<\/stream:features>/);
    expect(features).toContain('<mechanism>PLAIN</mechanism>');
    expect(features).not.toContain('<starttls');
    c.close();
  });

  it('an endless line respects backpressure: a client that stops reading stops the server', async (context) => {
    const server = await track(context, startHostileServer(raw.endlessLine));
    const socket = netConnect({ host: '127.0.0.1', port: server.port });
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.pause();
    await new Promise((resolve) => setTimeout(resolve, 300));
    const first = server.bytesWritten;
    await new Promise((resolve) => setTimeout(resolve, 300));
    // Only kernel buffers' worth was written, and nothing more once they were full.
    expect(first).toBeLessThan(64 * 1024 * 1024);
    expect(server.bytesWritten - first).toBeLessThanOrEqual(128 * 1024);
    socket.destroy();
  });
});
