/**
 * A small, bounded line client for IMAP and POP3 integration tests: reads CRLF lines with a
 * deadline and size caps, sends commands, and upgrades the same TCP connection with STARTTLS/STLS.
 *
 * Not the product's IMAP/POP3 dialog (that belongs in app/core/protocols): just enough to prove
 * that the bed's Dovecot endpoints behave as their descriptions say.
 */
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions, type TLSSocket } from 'node:tls';

export const MAIL_LIMITS = {
  timeoutMs: 5_000,
  maxLineBytes: 8_192,
  maxBytesPerConnection: 256 * 1024,
  maxLinesPerResponse: 200,
} as const;

export class MailDialogError extends Error {}

type Waiter = { resolve: (line: string) => void; reject: (err: Error) => void };

export class LineClient {
  #socket: Socket;
  #buf = Buffer.alloc(0);
  #lines: string[] = [];
  #waiter: Waiter | undefined;
  #error: Error | undefined;
  #total = 0;
  readonly #onData = (chunk: Buffer): void => this.#push(chunk);
  readonly #onEnd = (): void => this.#fail(new MailDialogError('connection closed by server'));
  readonly #onError = (err: Error): void => this.#fail(err);

  private constructor(socket: Socket) {
    this.#socket = socket;
    this.#attach(socket);
  }

  /** Plain TCP connection (for STARTTLS or no TLS). */
  static async plain(host: string, port: number): Promise<LineClient> {
    const socket = netConnect({ host, port });
    await once(socket, 'connect');
    return new LineClient(socket);
  }

  /** TLS from the first byte. Resolves once the handshake completed (authorized or not). */
  static async implicit(options: ConnectionOptions): Promise<LineClient> {
    const socket = tlsConnect(options);
    await once(socket, 'secureConnect');
    return new LineClient(socket);
  }

  get socket(): Socket {
    return this.#socket;
  }

  /** The TLS socket, once the connection is encrypted. */
  get tls(): TLSSocket | undefined {
    return 'encrypted' in this.#socket ? (this.#socket as TLSSocket) : undefined;
  }

  send(line: string): void {
    this.#socket.write(`${line}\r\n`);
  }

  readLine(timeoutMs: number = MAIL_LIMITS.timeoutMs): Promise<string> {
    const ready = this.#lines.shift();
    if (ready !== undefined) return Promise.resolve(ready);
    if (this.#error) return Promise.reject(this.#error);
    if (this.#waiter) return Promise.reject(new MailDialogError('concurrent reads'));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiter = undefined;
        reject(new MailDialogError(`no line within ${timeoutMs} ms`));
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

  /** Reads lines until one matches `last` (inclusive), bounded in count. */
  async readUntil(last: (line: string) => boolean): Promise<string[]> {
    const lines: string[] = [];
    for (let i = 0; i < MAIL_LIMITS.maxLinesPerResponse; i++) {
      const line = await this.readLine();
      lines.push(line);
      if (last(line)) return lines;
    }
    throw new MailDialogError(`response longer than ${MAIL_LIMITS.maxLinesPerResponse} lines`);
  }

  /**
   * Upgrades the connection after the server said "go ahead". Fails if the server sent anything
   * after that reply in clear (it would be read as if it came through TLS).
   */
  async startTls(options: Omit<ConnectionOptions, 'socket'>): Promise<TLSSocket> {
    if (this.#lines.length > 0 || this.#buf.length > 0) {
      throw new MailDialogError('server sent data after its STARTTLS reply (possible injection)');
    }
    const plain = this.#socket;
    this.#detach(plain);
    const tls = tlsConnect({ ...options, socket: plain });
    await once(tls, 'secureConnect');
    this.#socket = tls;
    this.#attach(tls);
    return tls;
  }

  close(): void {
    this.#socket.destroy();
  }

  #attach(socket: Socket): void {
    socket.on('data', this.#onData);
    socket.on('end', this.#onEnd);
    socket.on('error', this.#onError);
  }

  #detach(socket: Socket): void {
    socket.off('data', this.#onData);
    socket.off('end', this.#onEnd);
    socket.off('error', this.#onError);
  }

  #push(chunk: Buffer): void {
    this.#total += chunk.length;
    if (this.#total > MAIL_LIMITS.maxBytesPerConnection) {
      this.#fail(new MailDialogError('server sent too much data'));
      this.#socket.destroy();
      return;
    }
    this.#buf = Buffer.concat([this.#buf, chunk]);
    for (;;) {
      const nl = this.#buf.indexOf(0x0a);
      if (nl < 0) break;
      const line = this.#buf.subarray(0, nl).toString('utf8').replace(/\r$/, '');
      this.#buf = this.#buf.subarray(nl + 1);
      this.#deliver(line);
    }
    if (this.#buf.length > MAIL_LIMITS.maxLineBytes) {
      this.#fail(new MailDialogError('line too long'));
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
    w?.reject(err);
  }
}

function once(socket: Socket, event: 'connect' | 'secureConnect'): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new MailDialogError(`no ${event} within ${MAIL_LIMITS.timeoutMs} ms`));
    }, MAIL_LIMITS.timeoutMs);
    socket.once(event, () => {
      clearTimeout(timer);
      socket.off('error', onError);
      resolve();
    });
    const onError = (err: Error): void => {
      clearTimeout(timer);
      reject(err);
    };
    socket.once('error', onError);
  });
}

// ── IMAP ─────────────────────────────────────────────────────────────────

export interface ImapResponse {
  /** Untagged lines ("* …"). */
  readonly untagged: readonly string[];
  /** The tagged completion: OK, NO or BAD. */
  readonly status: 'OK' | 'NO' | 'BAD';
  readonly text: string;
}

export class ImapClient {
  #n = 0;
  constructor(readonly lines: LineClient) {}

  /** Reads the greeting; returns the whole line. */
  async greeting(): Promise<string> {
    const line = await this.lines.readLine();
    if (!line.startsWith('* OK') && !line.startsWith('* PREAUTH')) {
      throw new MailDialogError(`unexpected IMAP greeting: ${line}`);
    }
    return line;
  }

  async command(command: string): Promise<ImapResponse> {
    const tag = `t${++this.#n}`;
    this.lines.send(`${tag} ${command}`);
    const lines = await this.lines.readUntil((l) => l.startsWith(`${tag} `));
    const last = lines.at(-1) ?? '';
    const m = /^\S+ (OK|NO|BAD)\b ?(.*)$/i.exec(last);
    if (!m?.[1]) throw new MailDialogError(`bad tagged response: ${last}`);
    return {
      untagged: lines.slice(0, -1),
      status: m[1].toUpperCase() as ImapResponse['status'],
      text: m[2] ?? '',
    };
  }

  /** CAPABILITY as a set of upper-case atoms. */
  async capabilities(): Promise<Set<string>> {
    const r = await this.command('CAPABILITY');
    if (r.status !== 'OK') throw new MailDialogError(`CAPABILITY failed: ${r.text}`);
    const line = r.untagged.find((l) => /^\* CAPABILITY /i.test(l)) ?? '';
    return new Set(
      line
        .replace(/^\* CAPABILITY /i, '')
        .toUpperCase()
        .split(/\s+/)
        .filter(Boolean),
    );
  }

  async starttls(options: Omit<ConnectionOptions, 'socket'>): Promise<TLSSocket> {
    const r = await this.command('STARTTLS');
    if (r.status !== 'OK') throw new MailDialogError(`STARTTLS refused: ${r.status} ${r.text}`);
    return this.lines.startTls(options);
  }

  login(user: string, password: string): Promise<ImapResponse> {
    return this.command(`LOGIN ${imapQuote(user)} ${imapQuote(password)}`);
  }
}

function imapQuote(s: string): string {
  if (/[\r\n]/.test(s)) throw new MailDialogError('CR/LF in IMAP string');
  return `"${s.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

// ── POP3 ─────────────────────────────────────────────────────────────────

export interface Pop3Response {
  readonly ok: boolean;
  readonly text: string;
  /** Lines of a multi-line response (dot-unstuffed, without the terminating "."). */
  readonly lines: readonly string[];
}

export class Pop3Client {
  constructor(readonly lines: LineClient) {}

  async greeting(): Promise<string> {
    const line = await this.lines.readLine();
    if (!line.startsWith('+OK')) throw new MailDialogError(`unexpected POP3 greeting: ${line}`);
    return line;
  }

  async command(command: string, multiline = false): Promise<Pop3Response> {
    this.lines.send(command);
    const first = await this.lines.readLine();
    const ok = first.startsWith('+OK');
    const text = first.replace(/^(\+OK|-ERR) ?/, '');
    if (!ok || !multiline) return { ok, text, lines: [] };
    const body = await this.lines.readUntil((l) => l === '.');
    return { ok, text, lines: body.slice(0, -1).map((l) => (l.startsWith('..') ? l.slice(1) : l)) };
  }

  /** CAPA as a set of upper-case capability names (first word of each line). */
  async capabilities(): Promise<Set<string>> {
    const r = await this.command('CAPA', true);
    if (!r.ok) throw new MailDialogError(`CAPA failed: ${r.text}`);
    return new Set(r.lines.map((l) => (l.split(/\s+/)[0] ?? '').toUpperCase()).filter(Boolean));
  }

  async stls(options: Omit<ConnectionOptions, 'socket'>): Promise<TLSSocket> {
    const r = await this.command('STLS');
    if (!r.ok) throw new MailDialogError(`STLS refused: ${r.text}`);
    return this.lines.startTls(options);
  }

  /** USER/PASS; resolves with the PASS (or failed USER) response. */
  async login(user: string, password: string): Promise<Pop3Response> {
    const u = await this.command(`USER ${user}`);
    if (!u.ok) return u;
    return this.command(`PASS ${password}`);
  }
}
