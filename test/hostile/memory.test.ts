/**
 * Memory stays bounded while a probe faces a server that sends without end: the heap and the
 * array buffers (where socket data lives) are sampled every millisecond during the probe, and
 * the peak growth over a garbage-collected baseline must stay under 4 MB (observed: under 1 MB).
 *
 * Not concurrent on purpose (other tests in this process would add their own allocations). A control
 * case shows the measurement is sensitive: a naive client that keeps what it reads grows by the
 * size of the data.
 */
import { connect as netConnect } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import type { Protocol, Security } from '../../app/core/facts/endpoint';
import { probeHostile } from './harness';
import { dialogServer, endless, raw, startHostileServer, type Behaviour } from './servers';
import { tlsActs } from './tls-servers';

/** V8's gc(), exposed at run time (Vitest's workers do not get --expose-gc). */
type Gc = (options?: { type?: 'major' | 'minor' }) => void;
function getGc(): Gc {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as Gc;
}
const gc = getGc();

const MB = 1024 * 1024;
/** The most a probe may grow while facing an endless sender. */
const BUDGET = 4 * MB;

function used(): number {
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

/** Runs `fn` while sampling memory; returns its result and the peak growth over the baseline. */
async function peakGrowth<T>(fn: () => Promise<T>): Promise<{ value: T; growth: number }> {
  gc();
  gc();
  const baseline = used();
  let peak = baseline;
  // A scavenge before each sample: short-lived garbage in the young generation (up to its
  // semi-space size) is not memory the probe holds; data kept across samples survives it.
  const sampler = setInterval(() => {
    gc({ type: 'minor' });
    peak = Math.max(peak, used());
  }, 1);
  try {
    const value = await fn();
    gc({ type: 'minor' });
    peak = Math.max(peak, used());
    return { value, growth: peak - baseline };
  } finally {
    clearInterval(sampler);
  }
}

const CASES: readonly {
  name: string;
  protocol: Protocol;
  security?: Security;
  behaviour: Behaviour;
}[] = [
  { name: 'IMAP: a 10 MB banner', protocol: 'imap', behaviour: raw.hugeBanner(10 * MB, '* OK ') },
  { name: 'SMTP: an endless line', protocol: 'smtp', behaviour: raw.endlessLine },
  {
    name: 'SMTP: an endless multi-line EHLO reply',
    protocol: 'smtp',
    behaviour: dialogServer('smtp', { on: { capabilities: endless('250-x\r\n') } }),
  },
  { name: 'XMPP: 10 MB without markup', protocol: 'xmpp', behaviour: raw.hugeBanner(10 * MB) },
  {
    name: 'XMPP: a 5 MB attribute (streamed without end)',
    protocol: 'xmpp',
    behaviour: dialogServer('xmpp', {
      on: { capabilities: endless('A', "<stream:features><x a='") },
    }),
  },
  {
    name: 'POP3, implicit TLS: an alert storm',
    protocol: 'pop3',
    security: 'implicit',
    behaviour: dialogServer('pop3', { implicit: tlsActs.alertStorm }),
  },
  {
    name: 'IMAP, implicit TLS: an endless line instead of a ServerHello',
    protocol: 'imap',
    security: 'implicit',
    behaviour: raw.endlessLine,
  },
];

describe('memory stays bounded', () => {
  it.each(CASES)('$name', async ({ protocol, security, behaviour }) => {
    const probe = () => probeHostile(protocol, behaviour, security ? { security } : {});
    // A first run compiles the code paths (code and feedback live on the heap too).
    await probe();
    const { value: run, growth } = await peakGrowth(probe);
    expect(run.address.status).not.toBe('success');
    expect(growth, `peak growth ${(growth / MB).toFixed(1)} MB`).toBeLessThan(BUDGET);
  });

  it('control: a naive client that keeps everything grows by the 10 MB it reads', async () => {
    const server = await startHostileServer(raw.hugeBanner(10 * MB));
    try {
      const { value: kept, growth } = await peakGrowth(
        () =>
          new Promise<Buffer[]>((resolve) => {
            const chunks: Buffer[] = [];
            let size = 0;
            const socket = netConnect({ host: server.host, port: server.port });
            socket.on('data', (d: Buffer) => {
              chunks.push(d);
              size += d.length;
              if (size >= 10 * MB) {
                socket.destroy();
                resolve(chunks);
              }
            });
          }),
      );
      expect(kept.length).toBeGreaterThan(0);
      expect(growth).toBeGreaterThan(BUDGET);
    } finally {
      await server.close();
    }
  });
});
