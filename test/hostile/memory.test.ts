/**
 * Memory stays bounded while a probe faces a server that sends without end: the heap and the
 * array buffers (where socket data lives) are sampled every millisecond during the probe, and
 * the peak growth over a garbage-collected baseline must stay under 4 MB (observed: under 1 MB).
 *
 * The cases run one after the other (other tests in this process would add their own
 * allocations); one case then runs eight of them at once, each allowed 2 MB. A control
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
import { BILLION_LAUGHS, sendAndHold, streamOpen } from './xmpp-bombs';

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
  {
    name: 'XMPP: 10,000 nested elements',
    protocol: 'xmpp',
    behaviour: dialogServer('xmpp', {
      on: { capabilities: sendAndHold(`<stream:features>${'<a>'.repeat(10_000)}`) },
    }),
  },
  {
    name: 'XMPP: billion laughs',
    protocol: 'xmpp',
    behaviour: dialogServer('xmpp', {
      greeting: sendAndHold(`${BILLION_LAUGHS}${streamOpen}<stream:features>&lol9;`),
    }),
  },
  {
    name: 'submission, implicit TLS: an oversized TLS record',
    protocol: 'submission',
    security: 'implicit',
    behaviour: dialogServer('submission', { implicit: tlsActs.oversizedRecord }),
  },
  {
    name: 'POP3, STARTTLS: endless multi-line CAPA',
    protocol: 'pop3',
    behaviour: dialogServer('pop3', { on: { capabilities: endless('X-CAPA\r\n', '+OK\r\n') } }),
  },
];

/** Probes run at once in the concurrent case, and what each may add to the peak. */
const CONCURRENT = 8;
const BUDGET_PER_CONNECTION = 2 * MB;

describe('memory stays bounded', () => {
  it.each(CASES)('$name', async ({ protocol, security, behaviour }) => {
    const probe = () => probeHostile(protocol, behaviour, security ? { security } : {});
    // A first run compiles the code paths (code and feedback live on the heap too).
    await probe();
    const { value: run, growth } = await peakGrowth(probe);
    expect(run.address.status).not.toBe('success');
    expect(growth, `peak growth ${(growth / MB).toFixed(1)} MB`).toBeLessThan(BUDGET);
  });

  it(`${CONCURRENT} hostile servers at once: under ${BUDGET_PER_CONNECTION / MB} MB each`, async () => {
    const picks = Array.from({ length: CONCURRENT }, (_, i) => CASES[i % CASES.length]);
    const all = () =>
      Promise.all(
        picks.map((c) =>
          c
            ? probeHostile(c.protocol, c.behaviour, c.security ? { security: c.security } : {})
            : null,
        ),
      );
    await all();
    const { value: runs, growth } = await peakGrowth(all);
    for (const run of runs) expect(run?.address.status).not.toBe('success');
    expect(growth, `peak growth ${(growth / MB).toFixed(1)} MB`).toBeLessThan(
      CONCURRENT * BUDGET_PER_CONNECTION,
    );
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
