/**
 * A small, bounded SMTP client for integration tests: reads (multi-line) replies, sends
 * commands, parses EHLO extensions, upgrades with STARTTLS or starts with implicit TLS.
 *
 * Not the product's SMTP dialog (that belongs in app/core/protocols): just enough to prove the
 * test bed's Postfix behaves as its endpoints say. Every read has a deadline and every line
 * and reply a size cap, so a misbehaving server can neither hang a test nor fill its memory.
 */
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions, type TLSSocket } from 'node:tls';

export const SMTP_LIMITS = {
  timeoutMs: 10_000,
  /** RFC 5321 allows 512 octets per reply line; be generous but bounded. */
  maxLineBytes: 4_096,
  maxLinesPerReply: 100,
  maxBytesPerConnection: 256 * 1024,
} as const;

export interface SmtpReply {
  readonly code: number;
  /** The text of each line, after the code and its separator. */
  readonly lines: readonly string[];
}

export interface Ehlo {
  readonly reply: SmtpReply;
  /** Extension keyword (upper case) → its parameters, e.g. AUTH → ["PLAIN", "LOGIN"]. */
  readonly extensions: ReadonlyMap<string, readonly string[]>;
}

export class SmtpError extends Error {}

type Waiter = { resolve: (line: string) => void; reject: (err: Error) => void };

/** Splits a byte stream into lines (CRLF or bare LF), with a cap on line length and total bytes. */
class LineReader {
  #buf = Buffer.alloc(0);
  #lines: string[] = [];
  #waiter: Waiter | undefined;
  #error: Error | undefined;
  #total = 0;
  readonly #socket: Socket;
  readonly #onData = (chunk: Buffer): void => this.#push(chunk);
  readonly #onEnd = (): void => this.#fail(new SmtpError('connection closed by server'));
  readonly #onError = (err: Error): void => this.#fail(err);

  constructor(socket: Socket) {
    this.#socket = socket;
    socket.on('data', this.#onData);
    socket.on('end', this.#onEnd);
    socket.on('close', this.#onEnd);
    socket.on('error', this.#onError);
  }

  /** Stops reading; returns bytes received but not yet consumed as lines (must be empty before STARTTLS). */
  detach(): Buffer {
    this.#socket.off('data', this.#onData);
    this.#socket.off('end', this.#onEnd);
    this.#socket.off('close', this.#onEnd);
    this.#socket.off('error', this.#onError);
    const rest = Buffer.concat([
      Buffer.from(this.#lines.map((l) => `${l}\r\n`).join('')),
      this.#buf,
    ]);
    this.#lines = [];
    this.#buf = Buffer.alloc(0);
    return rest;
  }

  readLine(timeoutMs: number = SMTP_LIMITS.timeoutMs): Promise<string> {
    const ready = this.#lines.shift();
    if (ready !== undefined) return Promise.resolve(ready);
    if (this.#error) return Promise.reject(this.#error);
    if (this.#waiter) return Promise.reject(new SmtpError('concurrent reads'));
    return new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiter = undefined;
        reject(new SmtpError(`no complete line from server within ${timeoutMs} ms`));
      }, timeoutMs);
      this.#waiter = {
        resolve: (line) => {
          clearTimeout(timer);
          resolve(line);
        },
        reject: (err) => {
          clearTimeout(timer);
          reject(err);
        },
      };
    });
  }

  #push(chunk: Buffer): void {
    this.#total += chunk.length;
    if (this.#total > SMTP_LIMITS.maxBytesPerConnection) {
      this.#fail(new SmtpError(`server sent more than ${SMTP_LIMITS.maxBytesPerConnection} bytes`));
      this.#socket.destroy();
      return;
    }
    this.#buf = Buffer.concat([this.#buf, chunk]);
    for (let nl = this.#buf.indexOf(0x0a); nl >= 0; nl = this.#buf.indexOf(0x0a)) {
      const end = nl > 0 && this.#buf[nl - 1] === 0x0d ? nl - 1 : nl;
      if (end > SMTP_LIMITS.maxLineBytes) break;
      this.#deliver(this.#buf.subarray(0, end).toString('utf8'));
      this.#buf = this.#buf.subarray(nl + 1);
    }
    if (this.#buf.length > SMTP_LIMITS.maxLineBytes) {
      this.#fail(new SmtpError(`reply line longer than ${SMTP_LIMITS.maxLineBytes} bytes`));
      this.#socket.destroy();
    }
  }

  #deliver(line: string): void {
    const w = this.#waiter;
    if (w) {
      this.#waiter = undefined;
      w.resolve(line);
    } else {
      this.#lines.push(line);
    }
  }

  #fail(err: Error): void {
    this.#error ??= err;
    const w = this.#waiter;
    this.#waiter = undefined;
    w?.reject(this.#error);
  }
}

/** One SMTP connection; after startTls() it speaks over the TLS socket. */
export class SmtpClient {
  #socket: Socket;
  #reader: LineReader;

  private constructor(socket: Socket) {
    this.#socket = socket;
    this.#reader = new LineReader(socket);
  }

  get socket(): Socket | TLSSocket {
    return this.#socket;
  }

  /**
   * Connects (with implicit TLS when `tls` is given) and reads the greeting.
   * With `tls.rejectUnauthorized: false` the handshake completes for broken certificates; read
   * `authorized` / `authorizationError` on the returned socket.
   */
  static async connect(o: {
    host: string;
    port: number;
    tls?: ConnectionOptions;
    timeoutMs?: number;
  }): Promise<{ client: SmtpClient; greeting: SmtpReply }> {
    const timeoutMs = o.timeoutMs ?? SMTP_LIMITS.timeoutMs;
    const socket = o.tls
      ? await handshake(tlsConnect({ ...o.tls, host: o.host, port: o.port }), timeoutMs)
      : await plainConnect(o.host, o.port, timeoutMs);
    const client = new SmtpClient(socket);
    try {
      return { client, greeting: await client.readReply(timeoutMs) };
    } catch (err) {
      client.close();
      throw err;
    }
  }

  /** Reads one reply, however many lines ("250-…" continues, "250 …" ends). */
  async readReply(timeoutMs: number = SMTP_LIMITS.timeoutMs): Promise<SmtpReply> {
    const deadline = Date.now() + timeoutMs;
    const lines: string[] = [];
    let code: number | undefined;
    for (;;) {
      const line = await this.#reader.readLine(Math.max(1, deadline - Date.now()));
      const m = /^(\d{3})([ -])(.*)$/s.exec(line) ?? /^(\d{3})()$/.exec(line);
      if (!m) throw new SmtpError(`malformed reply line: ${JSON.stringify(line.slice(0, 200))}`);
      const lineCode = Number(m[1]);
      if (code !== undefined && lineCode !== code) {
        throw new SmtpError(`reply code changed within a reply: ${code} then ${lineCode}`);
      }
      code = lineCode;
      lines.push(m[3] ?? '');
      if (m[2] !== '-') return { code, lines };
      if (lines.length >= SMTP_LIMITS.maxLinesPerReply) {
        throw new SmtpError(`reply longer than ${SMTP_LIMITS.maxLinesPerReply} lines`);
      }
    }
  }

  /** Sends one command line (CRLF added) and reads its reply. */
  async command(line: string, timeoutMs?: number): Promise<SmtpReply> {
    if (/[\r\n]/.test(line)) throw new SmtpError('a command must not contain CR or LF');
    this.#socket.write(`${line}\r\n`);
    return this.readReply(timeoutMs);
  }

  /** EHLO with an address literal by default (the client has no name the server could check). */
  async ehlo(name = '[127.0.0.1]'): Promise<Ehlo> {
    const reply = await this.command(`EHLO ${name}`);
    const extensions = new Map<string, string[]>();
    if (reply.code === 250) {
      for (const line of reply.lines.slice(1)) {
        const [keyword, ...params] = line.trim().split(/\s+/);
        if (keyword) extensions.set(keyword.toUpperCase(), params);
      }
    }
    return { reply, extensions };
  }

  /**
   * Sends STARTTLS; on 220 upgrades the connection and returns the TLS socket once the
   * handshake is done (see connect() about rejectUnauthorized). Fails if the server sent
   * anything after its 220 in the clear (STARTTLS command injection).
   */
  async startTls(
    options: ConnectionOptions,
    timeoutMs: number = SMTP_LIMITS.timeoutMs,
  ): Promise<TLSSocket> {
    const reply = await this.command('STARTTLS', timeoutMs);
    if (reply.code !== 220)
      throw new SmtpError(`STARTTLS refused: ${reply.code} ${reply.lines.join(' / ')}`);
    const leftover = this.#reader.detach();
    if (leftover.length > 0) {
      this.#socket.destroy();
      throw new SmtpError(
        `server sent ${leftover.length} bytes after its STARTTLS reply, before the handshake`,
      );
    }
    const tlsSocket = await handshake(tlsConnect({ ...options, socket: this.#socket }), timeoutMs);
    this.#socket = tlsSocket;
    this.#reader = new LineReader(tlsSocket);
    return tlsSocket;
  }

  /** QUIT politely (bounded), then close. */
  async quit(): Promise<void> {
    try {
      await this.command('QUIT', 2_000);
    } catch {
      // the server may close first
    } finally {
      this.close();
    }
  }

  close(): void {
    this.#socket.destroy();
  }
}

function plainConnect(host: string, port: number, timeoutMs: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = netConnect({ host, port });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new SmtpError(`connect to ${host}:${port} timed out after ${timeoutMs} ms`));
    }, timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.off('error', onError);
      resolve(socket);
    });
    const onError = (err: Error): void => {
      clearTimeout(timer);
      reject(err);
    };
    socket.once('error', onError);
  });
}

function handshake(socket: TLSSocket, timeoutMs: number): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new SmtpError(`TLS handshake did not finish within ${timeoutMs} ms`));
    }, timeoutMs);
    const onError = (err: Error): void => {
      clearTimeout(timer);
      socket.destroy();
      reject(err);
    };
    socket.once('error', onError);
    socket.once('secureConnect', () => {
      clearTimeout(timer);
      socket.off('error', onError);
      resolve(socket);
    });
  });
}

/** The SASL PLAIN initial response (RFC 4616): authzid NUL authcid NUL password, base64. */
export function saslPlain(user: string, password: string): string {
  return Buffer.from(`\0${user}\0${password}`, 'utf8').toString('base64');
}
