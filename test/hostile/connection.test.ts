/**
 * The Connection (tcp-connection.ts) against hostile servers, below any dialog: bounded reads
 * (line, lines, bytes per step and in total) that never buffer without limit, step deadlines
 * that a drip cannot stretch, the whole probe's signal, resets, plaintext after the go-ahead,
 * broken handshakes, escaped and bounded transcripts, and no secret over an unverified socket.
 */
import { describe, expect, it } from 'vitest';
import type { ProbeErrorFact } from '../../app/core/net/errors';
import { isProbeError } from '../../app/core/net/errors';
import {
  MAX_TRANSCRIPT_ENTRIES,
  connect,
  type TcpConnection,
} from '../../app/core/net/tcp-connection';
import type { ConnectOptions } from '../../app/core/net/types';
import { RAW_HOSTILE_CHARS, raw, startHostileServer, type Behaviour } from './servers';
import { HOSTILE_NAME, hostileCert, tlsActs } from './tls-servers';

const STEP_MS = 500;

/** Opens a Connection to a server running `behaviour`; both are closed when `fn` ends. */
async function withConnection<T>(
  behaviour: Behaviour,
  fn: (c: TcpConnection) => Promise<T>,
  options: Partial<ConnectOptions> = {},
): Promise<T> {
  const server = await startHostileServer(behaviour);
  const c = await connect({
    address: server.host,
    port: server.port,
    timeouts: { connect: 1000, step: STEP_MS, handshake: STEP_MS },
    ...options,
  });
  try {
    return await fn(c);
  } finally {
    await c.close();
    await server.close();
  }
}

/** The ProbeError fact `promise` rejects with (fails when it resolves or throws anything else). */
async function failure(promise: Promise<unknown>): Promise<ProbeErrorFact> {
  try {
    await promise;
  } catch (err) {
    if (isProbeError(err)) return err.fact;
    throw err;
  }
  throw new Error('expected a ProbeError, but it resolved');
}

/** Reads lines until one fails; returns the failure. */
async function readUntilFailure(c: TcpConnection, step: 'greeting' | 'capabilities') {
  return failure(
    (async () => {
      for (;;) await c.readLine(step);
    })(),
  );
}

function expectTranscriptEscaped(c: TcpConnection): void {
  for (const e of c.transcript) expect(e.text).not.toMatch(RAW_HOSTILE_CHARS);
  expect(c.transcript.length).toBeLessThanOrEqual(MAX_TRANSCRIPT_ENTRIES + 1);
}

/** One "OK" line after another, forever. */
const endlessShortLines: Behaviour = async (peer) => {
  await peer.stream(Buffer.from('* OK\r\n'.repeat(4096)));
};

describe.concurrent('Connection: bounded reads', () => {
  it('endless line: maxLineBytes, with at most one socket chunk buffered beyond the line limit', async () => {
    await withConnection(raw.endlessLine, async (c) => {
      const fact = await failure(c.readLine('greeting'));
      expect(fact).toMatchObject({
        step: 'greeting',
        kind: 'limit',
        limit: { name: 'maxLineBytes' },
      });
      expect(c.stats.maxBufferedBytes).toBeLessThanOrEqual(16 * 1024 + 64 * 1024);
      expectTranscriptEscaped(c);
    });
  });

  it('10 MB banner: maxLineBytes long before the end; the socket is paused, not drained', async () => {
    await withConnection(raw.hugeBanner(), async (c) => {
      const fact = await failure(c.readLine('greeting'));
      expect(fact.limit?.name).toBe('maxLineBytes');
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(c.stats.maxBufferedBytes).toBeLessThanOrEqual(16 * 1024 + 64 * 1024);
      expect(c.stats.totalBytesRead).toBe(0);
    });
  });

  it('a small maxLineBytes is honoured exactly', async () => {
    const behaviour: Behaviour = async (peer) => {
      await peer.write(`${'a'.repeat(100)}\r\n${'b'.repeat(101)}\r\n`);
      await peer.hold();
    };
    await withConnection(
      behaviour,
      async (c) => {
        expect(await c.readLine('greeting')).toBe('a'.repeat(100));
        const fact = await failure(c.readLine('greeting'));
        expect(fact.limit).toEqual({ name: 'maxLineBytes', value: 100 });
      },
      { limits: { maxLineBytes: 100 } },
    );
  });

  it('endless short lines: maxLinesPerStep', async () => {
    await withConnection(endlessShortLines, async (c) => {
      const fact = await readUntilFailure(c, 'capabilities');
      expect(fact).toMatchObject({
        kind: 'limit',
        limit: { name: 'maxLinesPerStep', value: 1000 },
      });
      expectTranscriptEscaped(c);
    });
  });

  it('endless short lines with a high line cap: maxBytesPerStep', async () => {
    await withConnection(
      endlessShortLines,
      async (c) => {
        const fact = await readUntilFailure(c, 'capabilities');
        expect(fact.limit).toEqual({ name: 'maxBytesPerStep', value: 64 * 1024 });
        expect(c.stats.totalBytesRead).toBeLessThanOrEqual(64 * 1024);
        // The transcript is bounded too: one note says it was cut.
        expect(c.transcript.length).toBeLessThanOrEqual(MAX_TRANSCRIPT_ENTRIES + 1);
        expect(c.transcript.at(-1)?.text).toBe('transcript truncated');
      },
      { limits: { maxLinesPerStep: 1_000_000, maxBytesPerStep: 64 * 1024 } },
    );
  });

  it('lines spread over steps: maxBytesTotal', async () => {
    await withConnection(
      endlessShortLines,
      async (c) => {
        const fact = await failure(
          (async () => {
            for (;;) {
              for (let i = 0; i < 50; i++) await c.readLine('capabilities');
              for (let i = 0; i < 50; i++) await c.readLine('capabilities-after-tls');
            }
          })(),
        );
        expect(fact.limit).toEqual({ name: 'maxBytesTotal', value: 4096 });
        expect(c.stats.totalBytesRead).toBeLessThanOrEqual(4096);
      },
      { limits: { maxBytesTotal: 4096 } },
    );
  });

  it('readChunk on an endless stream: maxBytesPerStep, chunks bounded', async () => {
    await withConnection(raw.endlessLine, async (c) => {
      let biggest = 0;
      const fact = await failure(
        (async () => {
          for (;;) biggest = Math.max(biggest, (await c.readChunk('greeting')).length);
        })(),
      );
      expect(fact).toMatchObject({ kind: 'limit', limit: { name: 'maxBytesPerStep' } });
      expect(biggest).toBeLessThanOrEqual(16 * 1024 + 64 * 1024);
      expect(c.stats.totalBytesRead).toBeLessThanOrEqual(256 * 1024);
    });
  });

  it('drain() on an endless stream returns a bounded amount and never throws on time', async () => {
    await withConnection(raw.endlessLine, async (c) => {
      const got = await c.drain('injection-probe', 200);
      expect(got.length).toBeGreaterThan(0);
      expect(got.length).toBeLessThanOrEqual(16 * 1024 + 64 * 1024);
    });
  });

  it('garbage line: returned as text, but escaped in the transcript', async () => {
    await withConnection(raw.garbage, async (c) => {
      const line = await c.readLine('greeting');
      expect(line).toContain('\u202E');
      const received = c.transcript.filter((e) => e.dir === 'received');
      expect(received).toHaveLength(1);
      expect(received[0]?.text).toContain('\\x00');
      expect(received[0]?.text).toContain('\\u{202e}');
      expectTranscriptEscaped(c);
    });
  });
});

describe.concurrent('Connection: deadlines and failures', () => {
  it('silence: timeout at the step deadline', async () => {
    await withConnection(raw.silence, async (c) => {
      const t0 = performance.now();
      const fact = await failure(c.readLine('greeting'));
      expect(fact).toMatchObject({ step: 'greeting', kind: 'timeout' });
      expect(performance.now() - t0).toBeGreaterThanOrEqual(STEP_MS - 50);
      expect(performance.now() - t0).toBeLessThan(STEP_MS + 2000);
    });
  });

  it('a drip every 50 ms cannot stretch the step: timeout with the partial line as evidence', async () => {
    await withConnection(raw.drip('* OK a greeting that takes far too long\r\n', 50), async (c) => {
      const t0 = performance.now();
      const fact = await failure(c.readLine('greeting'));
      expect(fact).toMatchObject({ step: 'greeting', kind: 'timeout' });
      expect(fact.evidence).toMatch(/^\* OK a/);
      expect(performance.now() - t0).toBeLessThan(STEP_MS + 2000);
    });
  });

  it('the whole probe’s deadline (AbortSignal.timeout) ends a long step early', async () => {
    await withConnection(
      raw.silence,
      async (c) => {
        const t0 = performance.now();
        const fact = await failure(c.readLine('greeting'));
        expect(fact).toMatchObject({ step: 'greeting', kind: 'timeout' });
        expect(fact.message).toMatch(/whole probe/);
        expect(performance.now() - t0).toBeLessThan(2000);
      },
      { signal: AbortSignal.timeout(200), timeouts: { step: 10_000 } },
    );
  });

  it('a cancel ends a read at once with kind cancelled', async () => {
    const controller = new AbortController();
    await withConnection(
      raw.silence,
      async (c) => {
        setTimeout(() => controller.abort(), 50);
        const fact = await failure(c.readLine('greeting'));
        expect(fact.kind).toBe('cancelled');
      },
      { signal: controller.signal, timeouts: { step: 10_000 } },
    );
  });

  it('reset: kind reset', async () => {
    await withConnection(raw.resetAfter(20), async (c) => {
      const fact = await failure(c.readLine('greeting'));
      expect(fact).toMatchObject({ step: 'greeting', kind: 'reset' });
    });
  });

  it('a clean close mid-line: kind closed with the partial line as evidence', async () => {
    const behaviour: Behaviour = async (peer) => {
      await peer.write('* OK half a gree');
      peer.end();
    };
    await withConnection(behaviour, async (c) => {
      const fact = await failure(c.readLine('greeting'));
      expect(fact).toMatchObject({ kind: 'closed', evidence: '* OK half a gree' });
    });
  });
});

describe.concurrent('Connection: STARTTLS upgrade against hostile servers', () => {
  /** Sends a go-ahead (with `extra` in the same write) when a line arrives, then runs `then`. */
  const goAhead =
    (extra: string, then: (peer: Parameters<Behaviour>[0]) => Promise<unknown>): Behaviour =>
    async (peer) => {
      await peer.write('* OK ready\r\n');
      if ((await peer.readLine()) === null) return;
      void peer.write(`A1 OK begin TLS\r\n${extra}`);
      await then(peer);
      await peer.hold();
    };
  const realTls = (peer: Parameters<Behaviour>[0]) => peer.startTls();

  async function upgrade(c: TcpConnection) {
    const { cert } = await hostileCert();
    await c.readLine('greeting');
    await c.write('starttls', 'A1 STARTTLS\r\n');
    expect(await c.readLine('starttls')).toBe('A1 OK begin TLS');
    return c.startTls({ serverName: HOSTILE_NAME, extraCa: [cert] });
  }

  it('plaintext after the go-ahead: returned as evidence, kept out of TLS, noted escaped', async () => {
    const extra = '* OK injected\u202E\x1b[2J\r\n';
    await withConnection(goAhead(extra, realTls), async (c) => {
      const up = await upgrade(c);
      expect(up.plaintextAfterGoAhead.toString('utf8')).toBe(extra);
      expect(c.isTls).toBe(true);
      expect(c.identityVerified).toBe(true);
      expect(c.transcript.some((e) => e.dir === 'note' && e.text.includes('injected'))).toBe(true);
      expectTranscriptEscaped(c);
    });
  });

  it.each([
    ['partialHelloThenReset', ['reset']],
    ['fatalAlert', ['tls']],
    ['alertStorm', ['tls']],
    ['oversizedRecord', ['tls']],
    ['truncatedThenSilence', ['timeout']],
    ['truncatedThenClose', ['closed', 'reset']],
    ['plaintextInsteadOfTls', ['tls']],
  ] as const)('%s: handshake fails with kind %j, in time', async (act, kinds) => {
    await withConnection(goAhead('', tlsActs[act]), async (c) => {
      const t0 = performance.now();
      const fact = await failure(upgrade(c));
      expect(fact.step).toBe('handshake');
      expect(kinds).toContain(fact.kind);
      if (act === 'fatalAlert') expect(fact.alert).toBe('handshake_failure');
      expect(performance.now() - t0).toBeLessThan(STEP_MS + 2000);
      expect(c.isTls).toBe(false);
    });
  });

  it('never sends a secret before TLS, nor over TLS whose identity is not verified', async () => {
    await withConnection(goAhead('', realTls), async (c) => {
      await c.readLine('greeting');
      expect(
        await failure(c.writeSecret('login', 'A9 LOGIN u secret\r\n', 'A9 LOGIN u <password>')),
      ).toMatchObject({ kind: 'unsafe' });
      await c.write('starttls', 'A1 STARTTLS\r\n');
      await c.readLine('starttls');
      // No extra CA: the throwaway certificate is not trusted.
      const up = await c.startTls({ serverName: HOSTILE_NAME });
      expect(up.tls.verification.chainTrusted).toBe(false);
      expect(c.identityVerified).toBe(false);
      const fact = await failure(
        c.writeSecret('login', 'A9 LOGIN u secret\r\n', 'A9 LOGIN u <password>'),
      );
      expect(fact.kind).toBe('unsafe');
      expect(JSON.stringify(c.transcript)).not.toContain('secret');
    });
  });
});
