/**
 * Test support for the property tests of the protocol framers: an in-memory Connection that
 * hands out scripted chunks (readLine with the real Connection's framing: LF ends a line, one CR
 * before it is dropped, UTF-8 decoded; readChunk; unread puts bytes back in front), and
 * arbitraries that cut bytes into chunks at any boundary. `leftover()` is every byte the reader
 * did not consume, so a test can check that a framer never read past what it was given.
 * Not a test itself; imported by the *.property.test.ts files only.
 */
import fc from 'fast-check';
import { ProbeError, type Step } from '../../net/errors';
import type { Connection, TranscriptEntry } from '../../net/types';

const EMPTY = Buffer.alloc(0);

export class ChunkedConnection implements Connection {
  readonly remoteAddress = '127.0.0.1';
  readonly remotePort = 1;
  readonly isTls = false;
  readonly identityVerified = false;
  readonly identityBasis = null;
  readonly transcript: TranscriptEntry[] = [];
  /** Chunks taken from the script so far. */
  reads = 0;
  /** readLine and readChunk calls: a loop that reads without end fails instead of hanging. */
  #calls = 0;
  readonly #maxCalls: number;
  readonly #chunks: Buffer[];
  #buf: Buffer = EMPTY;

  constructor(chunks: readonly Uint8Array[], maxCalls = 100_000) {
    this.#chunks = chunks.filter((c) => c.length > 0).map((c) => Buffer.from(c));
    this.#maxCalls = maxCalls;
  }

  /** The bytes the reader has not consumed: still buffered (or put back), then never read. */
  leftover(): Buffer {
    return Buffer.concat([this.#buf, ...this.#chunks]);
  }

  async readLine(step: Step): Promise<string> {
    this.#count();
    for (;;) {
      const lf = this.#buf.indexOf(0x0a);
      if (lf >= 0) {
        const end = lf > 0 && this.#buf[lf - 1] === 0x0d ? lf - 1 : lf;
        const line = this.#buf.subarray(0, end).toString('utf8');
        this.#buf = this.#buf.subarray(lf + 1);
        return line;
      }
      this.#pull(step);
    }
  }

  async readChunk(step: Step): Promise<Buffer> {
    this.#count();
    if (this.#buf.length === 0) this.#pull(step);
    const chunk = this.#buf;
    this.#buf = EMPTY;
    return chunk;
  }

  unread(bytes: Buffer): void {
    this.#buf = Buffer.concat([bytes, this.#buf]);
  }

  drain(): Promise<Buffer> {
    throw new Error('drain is not scripted');
  }
  async write(): Promise<void> {}
  async writeSecret(): Promise<void> {}
  note(): void {}
  startTls(): never {
    throw new Error('startTls is not scripted');
  }
  async close(): Promise<void> {}

  #count(): void {
    if (++this.#calls > this.#maxCalls) throw new Error('read loop without end');
  }

  #pull(step: Step): void {
    const chunk = this.#chunks.shift();
    if (chunk === undefined) {
      throw new ProbeError({ step, kind: 'closed', message: 'the script ended' });
    }
    this.reads++;
    this.#buf = this.#buf.length === 0 ? chunk : Buffer.concat([this.#buf, chunk]);
  }
}

/**
 * Where to cut a byte string: random offsets (taken modulo its length), or after every byte.
 * Use with `splitBytes`.
 */
export const cuts: fc.Arbitrary<readonly number[] | 'every-byte'> = fc.oneof(
  { weight: 5, arbitrary: fc.array(fc.nat(), { maxLength: 24 }) },
  { weight: 1, arbitrary: fc.constant('every-byte' as const) },
);

/** `bytes` cut into non-empty chunks at `at` (see `cuts`); the chunks join back to `bytes`. */
export function splitBytes(bytes: Uint8Array, at: readonly number[] | 'every-byte'): Buffer[] {
  const b = Buffer.from(bytes);
  if (at === 'every-byte') return Array.from(b, (_, i) => b.subarray(i, i + 1));
  const offsets = [...new Set(at.map((n) => n % (b.length + 1)))]
    .filter((n) => n > 0 && n < b.length)
    .sort((x, y) => x - y);
  const out: Buffer[] = [];
  let start = 0;
  for (const end of [...offsets, b.length]) {
    if (end > start) out.push(b.subarray(start, end));
    start = end;
  }
  return out;
}

/** Strings made of `special` characters (a protocol's own syntax) mixed with any code point. */
export function textOf(
  special: readonly string[],
  constraints: { readonly minLength?: number; readonly maxLength?: number } = {},
): fc.Arbitrary<string> {
  return fc.string({
    ...constraints,
    unit: fc.oneof(
      { weight: 3, arbitrary: fc.constantFrom(...special) },
      { weight: 1, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) },
    ),
  });
}

/** Bytes of any value, with line endings and UTF-8 lead and continuation bytes more likely. */
export const anyBytes = (maxLength: number): fc.Arbitrary<Buffer> =>
  fc
    .array(
      fc.oneof(
        fc.integer({ min: 0, max: 255 }),
        fc.constantFrom(0x0d, 0x0a, 0x20, 0xc3, 0xa9, 0xf0, 0x9f, 0x80, 0xff),
      ),
      { maxLength },
    )
    .map((a) => Buffer.from(a));
