/**
 * The server side of one hostile connection: bounded reads, writes that respect backpressure
 * (so a server streaming forever never buffers in memory either), resets, and a switch to TLS
 * in the middle of the dialog. Everything ends quietly when the client or the server goes away.
 */
import type { Socket } from 'node:net';
import { TLSSocket, type SecureContext } from 'node:tls';

/** Most bytes a hostile server keeps from its client (a probe never sends this much). */
const MAX_INBOX = 256 * 1024;

export class Peer {
  #socket: Socket;
  /** The TCP socket under any TLS. */
  readonly #raw: Socket;
  #inbox = Buffer.alloc(0);
  #wake: (() => void) | null = null;
  #ended = false;
  #closed = false;
  #bytesWritten = 0;
  readonly #controller = new AbortController();
  readonly #onData = (chunk: Buffer): void => {
    this.onReceived?.(chunk, this.isTls);
    if (this.#inbox.length + chunk.length > MAX_INBOX) {
      this.#socket.destroy();
      return;
    }
    this.#inbox = Buffer.concat([this.#inbox, chunk]);
    this.#poke();
  };

  constructor(
    socket: Socket,
    private readonly secureContext: () => SecureContext,
    /** Sees every byte the client sent, plaintext or decrypted, as it arrives. */
    private readonly onReceived?: (chunk: Buffer, insideTls: boolean) => void,
  ) {
    this.#socket = socket;
    this.#raw = socket;
    this.#attach(socket);
  }

  /** Aborted when the connection is gone (closed by either side, or the server stopped). */
  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  get closed(): boolean {
    return this.#closed;
  }

  get isTls(): boolean {
    return this.#socket instanceof TLSSocket;
  }

  /** Bytes handed to the kernel so far (what the client could have read). */
  get bytesWritten(): number {
    return this.#bytesWritten;
  }

  #attach(socket: Socket): void {
    socket.on('data', this.#onData);
    socket.on('error', () => undefined);
    socket.on('end', () => {
      this.#ended = true;
      this.#poke();
    });
    socket.on('close', () => {
      this.#closed = true;
      this.#ended = true;
      this.#controller.abort();
      this.#poke();
    });
  }

  #poke(): void {
    const wake = this.#wake;
    this.#wake = null;
    wake?.();
  }

  #waitForInput(): Promise<void> {
    return new Promise((resolve) => {
      this.#wake = resolve;
    });
  }

  /** The next line without its line ending, or null when the client went away first. */
  async readLine(): Promise<string | null> {
    for (;;) {
      const nl = this.#inbox.indexOf(0x0a);
      if (nl >= 0) {
        const line = this.#inbox.subarray(0, nl).toString('latin1').replace(/\r$/, '');
        this.#inbox = this.#inbox.subarray(nl + 1);
        return line;
      }
      if (this.#ended) return null;
      await this.#waitForInput();
    }
  }

  /** Whatever the client sent next (at least one byte), or null when it went away first. */
  async readAny(): Promise<Buffer | null> {
    for (;;) {
      if (this.#inbox.length > 0) {
        const out = this.#inbox;
        this.#inbox = Buffer.alloc(0);
        return out;
      }
      if (this.#ended) return null;
      await this.#waitForInput();
    }
  }

  /** Text received and not consumed yet (for the XMPP tokeniser). */
  peekText(): string {
    return this.#inbox.toString('utf8');
  }

  /** Drops `chars` characters of received text (UTF-8 text, as returned by peekText). */
  consumeText(chars: number): void {
    const text = this.peekText();
    this.#inbox = Buffer.from(text.slice(chars), 'utf8');
  }

  /** Drops whatever the client sent and was not read (pipelined commands after STARTTLS). */
  discardPending(): void {
    this.#inbox = Buffer.alloc(0);
  }

  /** Waits until more input arrives or the client goes away; false when it went away. */
  async more(): Promise<boolean> {
    if (this.#ended) return false;
    await this.#waitForInput();
    return true;
  }

  /** Writes and waits until the socket can take more (or the connection is gone). */
  async write(data: string | Buffer): Promise<void> {
    if (this.#closed || this.#socket.destroyed) return;
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    this.#bytesWritten += bytes.length;
    if (this.#socket.write(bytes)) return;
    await new Promise<void>((resolve) => {
      const done = (): void => {
        this.#socket.off('drain', done);
        this.#controller.signal.removeEventListener('abort', done);
        resolve();
      };
      this.#socket.on('drain', done);
      this.#controller.signal.addEventListener('abort', done);
    });
  }

  /**
   * Writes `chunk` again and again until `total` bytes went out (Infinity: until the client
   * goes away), waiting for 'drain' whenever the socket's buffer is full.
   */
  async stream(chunk: Buffer, total = Infinity): Promise<void> {
    let left = total;
    while (left > 0 && !this.#closed) {
      const piece = left >= chunk.length ? chunk : chunk.subarray(0, left);
      left -= piece.length;
      await this.write(piece);
    }
  }

  /** Writes `text` one byte at a time, `intervalMs` apart. */
  async drip(text: string, intervalMs: number): Promise<void> {
    for (const byte of Buffer.from(text, 'utf8')) {
      if (this.#closed) return;
      await this.write(Buffer.from([byte]));
      await this.sleep(intervalMs);
    }
  }

  /** Sleeps, waking early when the connection is gone. */
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      if (this.#closed) {
        resolve();
        return;
      }
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.#controller.signal.addEventListener('abort', done, { once: true });
    });
  }

  /** Waits until the client goes away (a server that never speaks again and never closes). */
  async hold(): Promise<void> {
    if (this.#closed) return;
    await new Promise<void>((resolve) => {
      this.#controller.signal.addEventListener('abort', () => resolve(), { once: true });
    });
  }

  /** Sends a TCP RST (not a FIN), also inside TLS (no close_notify). */
  reset(): void {
    if (!this.#raw.destroyed) this.#raw.resetAndDestroy();
    if (this.#socket !== this.#raw) this.#socket.destroy();
  }

  /** Closes cleanly (FIN). */
  end(): void {
    this.#socket.end();
  }

  /**
   * Starts TLS as the server on this connection, right now (call it in the same tick as the
   * go-ahead write, before the client's ClientHello can arrive). Pending plaintext is dropped,
   * like a careful server does, unless `keepPending` (a server open to command injection).
   * Resolves when the handshake completed; false when it failed.
   */
  startTls(options: { keepPending?: boolean; alpn?: readonly string[] } = {}): Promise<boolean> {
    const raw = this.#socket;
    raw.off('data', this.#onData);
    if (!options.keepPending) this.#inbox = Buffer.alloc(0);
    const secure = new TLSSocket(raw, {
      isServer: true,
      secureContext: this.secureContext(),
      ...(options.alpn ? { ALPNProtocols: [...options.alpn] } : {}),
    });
    this.#socket = secure;
    this.#attach(secure);
    return new Promise((resolve) => {
      secure.once('secure', () => resolve(true));
      secure.once('error', () => resolve(false));
      secure.once('close', () => resolve(false));
    });
  }

  destroy(): void {
    this.#socket.destroy();
  }
}
