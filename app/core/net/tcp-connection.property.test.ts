/**
 * Property tests (fast-check) for TcpConnection.readLine over a real loopback socket: random
 * lines (any bytes, CRLF or LF endings) written by a server in random chunks, with pauses so the
 * chunks arrive apart, read under random limits, across steps. readLine returns exactly the
 * lines sent (one CR before LF dropped, UTF-8 decoded), never a line longer than maxLineBytes:
 * the first line that breaks a limit (line length, lines or bytes per step, bytes in total)
 * ends in that limit's error, not in a hang or a timeout; what is left after the last line is
 * 'closed' with the partial line as evidence; the byte totals and the transcript match what was
 * read. Few runs (sockets): SEALCHECK_FUZZ_RUNS makes it a long run.
 */
import net from 'node:net';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { propertyRuns } from '../../../test/support/properties';
import { isProbeError, type Step } from './errors';
import { connect, type TcpConnection } from './tcp-connection';
import type { ReadLimits } from './types';

/** What the server sends on the next connection: chunks, each after a pause or not. */
let nextScript: { chunks: Buffer[]; pauses: boolean[]; keepOpen: boolean } = {
  chunks: [],
  pauses: [],
  keepOpen: false,
};
let server: net.Server;
let port = 0;

beforeAll(async () => {
  server = net.createServer((socket) => {
    const { chunks, pauses, keepOpen } = nextScript;
    socket.setNoDelay(true);
    socket.on('error', () => undefined);
    void (async () => {
      for (const [i, chunk] of chunks.entries()) {
        if (pauses[i]) await new Promise((r) => setTimeout(r, 1));
        if (socket.destroyed) return;
        await new Promise<void>((r) => socket.write(chunk, () => r()));
      }
      if (!keepOpen) socket.end();
    })();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as net.AddressInfo).port;
});

afterAll(async () => {
  await new Promise<void>((r) => server.close(() => r()));
});

const byte = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 0x20, max: 0x7e }) },
  { weight: 2, arbitrary: fc.constantFrom(0x0d, 0x00, 0xc3, 0xa9, 0xe2, 0x82, 0xac, 0xff, 0x80) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 255 }).filter((b) => b !== 0x0a) },
);
/** A length: absolute, or relative to maxLineBytes (to land on the limit's edge). */
type Length = { readonly abs: number } | { readonly rel: number };
const length = (short: number, long: number): fc.Arbitrary<Length> =>
  fc.oneof(
    { weight: 4, arbitrary: fc.record({ abs: fc.nat(short) }) },
    { weight: 2, arbitrary: fc.record({ rel: fc.integer({ min: -2, max: 2 }) }) },
    { weight: 1, arbitrary: fc.record({ abs: fc.integer({ min: short, max: long }) }) },
  );
/** `n` bytes repeating `pattern`. */
function bytesOf(n: number, pattern: readonly number[]): Buffer {
  return Buffer.from(Array.from({ length: n }, (_, i) => pattern[i % pattern.length] ?? 0x41));
}
function resolve(len: Length, maxLineBytes: number): number {
  return 'abs' in len ? len.abs : Math.max(0, maxLineBytes + len.rel);
}

const line = fc.record({
  length: length(40, 400),
  pattern: fc.array(byte, { minLength: 1, maxLength: 40 }),
  eol: fc.constantFrom('\r\n', '\n'),
  // Mostly one step, so the per-step caps are reached.
  step: fc.oneof(
    { weight: 4, arbitrary: fc.constant<Step>('greeting') },
    { weight: 1, arbitrary: fc.constant<Step>('capabilities') },
  ),
});
/** A byte cap: absolute, or exactly the bytes of the first k lines (to land on its edge), or off. */
type Cap = { readonly abs: number } | { readonly upTo: number };
const cap = (max: number): fc.Arbitrary<Cap> =>
  fc.oneof(
    fc.record({ abs: fc.integer({ min: 10, max }) }),
    fc.record({ upTo: fc.integer({ min: 1, max: 8 }) }),
    fc.constant({ abs: 1 << 30 }),
  );
const limits = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({
      maxLineBytes: fc.integer({ min: 1, max: 64 }),
      maxLinesPerStep: fc.oneof(fc.integer({ min: 1, max: 12 }), fc.constant(100_000)),
      maxBytesPerStep: cap(1500),
      maxBytesTotal: cap(3000),
    }),
  },
  // Generous ones, with a bulk of lines past the socket's high-water mark (pause and resume).
  {
    weight: 1,
    arbitrary: fc.constant({
      maxLineBytes: 400,
      maxLinesPerStep: 100_000,
      maxBytesPerStep: { abs: 1 << 30 },
      maxBytesTotal: { abs: 1 << 30 },
    }),
  },
);

type Expected =
  | { readonly kind: 'line'; readonly text: string; readonly raw: number; readonly step: Step }
  | { readonly kind: 'limit'; readonly name: keyof ReadLimits; readonly step: Step }
  | { readonly kind: 'closed'; readonly partial: boolean; readonly step: Step };

/** What readLine must give, line by line, under `l`: the spec of the read limits. */
function expectedReads(
  lines: readonly { readonly bytes: Buffer; readonly eol: string; readonly step: Step }[],
  partial: Buffer,
  l: ReadLimits,
): Expected[] {
  const out: Expected[] = [];
  let step: Step | null = null;
  let stepBytes = 0;
  let stepLines = 0;
  let total = 0;
  for (const { bytes, eol, step: s } of lines) {
    if (s !== step) {
      step = s;
      stepBytes = 0;
      stepLines = 0;
    }
    // One CR before the LF belongs to the line ending.
    const text = eol === '\n' && bytes.at(-1) === 0x0d ? bytes.subarray(0, -1) : bytes;
    const raw = bytes.length + eol.length;
    const broken: keyof ReadLimits | null =
      text.length > l.maxLineBytes
        ? 'maxLineBytes'
        : stepBytes + raw > l.maxBytesPerStep
          ? 'maxBytesPerStep'
          : total + raw > l.maxBytesTotal
            ? 'maxBytesTotal'
            : stepLines + 1 > l.maxLinesPerStep
              ? 'maxLinesPerStep'
              : null;
    if (broken) return [...out, { kind: 'limit', name: broken, step: s }];
    stepBytes += raw;
    stepLines++;
    total += raw;
    out.push({ kind: 'line', text: text.toString('utf8'), raw, step: s });
  }
  // A partial line: too long already (even if a CR and LF followed), or 'closed' at the end.
  const last = step ?? 'greeting';
  if (partial.length > l.maxLineBytes + 1) {
    return [...out, { kind: 'limit', name: 'maxLineBytes', step: last }];
  }
  return [...out, { kind: 'closed', partial: partial.length > 0, step: last }];
}

describe('TcpConnection.readLine (properties)', () => {
  it('returns exactly the lines sent, in any chunks, up to the first limit it breaks', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(line, { maxLength: 30 }),
        // Mostly once; sometimes the lines again and again, past the socket's high-water mark.
        fc.oneof({ weight: 2, arbitrary: fc.constant(1) }, fc.integer({ min: 2, max: 400 })),
        fc.record({
          length: length(10, 100),
          pattern: fc.array(byte, { minLength: 1, maxLength: 10 }),
        }),
        fc.boolean(),
        limits,
        fc.array(fc.nat(), { maxLength: 20 }),
        fc.array(fc.boolean(), { maxLength: 21 }),
        async (specs, repeat, partialSpec, keepOpen, spec, cutAt, pauses) => {
          const max = spec.maxLineBytes;
          const lines = Array.from({ length: repeat }, () => specs)
            .flat()
            .map((s) => ({
              bytes: bytesOf(resolve(s.length, max), s.pattern),
              eol: s.eol,
              step: s.step,
            }));
          const partial = bytesOf(resolve(partialSpec.length, max), partialSpec.pattern);
          const upTo = (c: Cap): number =>
            'abs' in c
              ? c.abs
              : Math.max(
                  1,
                  lines.slice(0, c.upTo).reduce((n, x) => n + x.bytes.length + x.eol.length, 0),
                );
          const l: ReadLimits = {
            maxLineBytes: max,
            maxLinesPerStep: spec.maxLinesPerStep,
            maxBytesPerStep: upTo(spec.maxBytesPerStep),
            maxBytesTotal: upTo(spec.maxBytesTotal),
          };
          const stream = Buffer.concat([
            ...lines.flatMap((x) => [x.bytes, Buffer.from(x.eol)]),
            partial,
          ]);
          const offsets = [...new Set(cutAt.map((n) => n % (stream.length + 1)))].sort(
            (a, b) => a - b,
          );
          const chunks: Buffer[] = [];
          let start = 0;
          for (const end of [...offsets, stream.length]) {
            if (end > start) chunks.push(stream.subarray(start, end));
            start = Math.max(start, end);
          }
          // An endless line on an open connection must end in the limit, not the step deadline.
          nextScript = {
            chunks,
            pauses,
            keepOpen: keepOpen && partial.length > l.maxLineBytes + 1,
          };

          const c: TcpConnection = await connect({
            address: '127.0.0.1',
            port,
            limits: l,
            timeouts: { step: 5_000 },
          });
          try {
            const reads = expectedReads(lines, partial, l);
            let bytesRead = 0;
            let linesRead = 0;
            for (const want of reads) {
              let got: string;
              try {
                got = await c.readLine(want.step);
              } catch (err) {
                if (!isProbeError(err)) throw err;
                if (want.kind === 'line') throw err;
                if (want.kind === 'limit') {
                  expect(err.fact).toMatchObject({
                    step: want.step,
                    kind: 'limit',
                    limit: { name: want.name, value: l[want.name] },
                  });
                } else {
                  expect(err.fact).toMatchObject({ step: want.step, kind: 'closed' });
                  expect(err.fact.evidence !== undefined).toBe(want.partial);
                }
                break;
              }
              expect(want.kind).toBe('line');
              if (want.kind !== 'line') break;
              expect(got).toBe(want.text);
              bytesRead += want.raw;
              linesRead++;
            }
            expect(c.stats.totalBytesRead).toBe(bytesRead);
            expect(c.transcript.filter((e) => e.dir === 'received')).toHaveLength(
              Math.min(linesRead, 399),
            );
          } finally {
            await c.close();
          }
        },
      ),
      propertyRuns(40),
    );
  }, 60_000);
});
