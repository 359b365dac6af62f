/**
 * Correct servers made hostile at one step of the dialog, for every protocol: resets after the
 * greeting, after the capability command, at the STARTTLS command, after the go-ahead and in the
 * middle of the handshake; silence and drips at later steps; STARTTLS refused; plaintext after the
 * go-ahead; a server open to command injection; a server hostile only to the injection test's
 * connection; slow at every step (the overall deadline); no goodbye. Broken TLS is in
 * tls.test.ts, hostile text in text.test.ts.
 */
import { describe, expect, it, vi } from 'vitest';
import type { Protocol } from '../../app/core/facts/endpoint';
import {
  ALL_PROTOCOLS,
  MARGIN_MS,
  OVERALL_MS,
  capabilitiesStep,
  expectFailure,
  probeHostile,
  type ExpectedFailure,
} from './harness';
import {
  XMPP_STARTTLS_FAILURE,
  delayed,
  perConnection,
  raw,
  dialogServer,
  dripNormal,
  endless,
  insideTls,
  neverAnswer,
  replyThenReset,
  resetNow,
  say,
  type Act,
  type Behaviour,
} from './servers';
import { tlsActs } from './tls-servers';

// Most cases wait on a deadline, not on the CPU: run many at once (the default is 5).
vi.setConfig({ maxConcurrency: 16 });

describe.concurrent.each(ALL_PROTOCOLS)('%s: a correct server', (protocol) => {
  it('STARTTLS: success, capabilities before and after TLS, a verified handshake', async () => {
    const run = await probeHostile(protocol, dialogServer(protocol));
    const a = run.address;
    expect(a.status, JSON.stringify(a.error)).toBe('success');
    expect(a.starttls?.outcome).toBe('accepted');
    expect(a.starttls?.plaintextAfterGoAhead).toBeNull();
    expect(a.tls?.verification.chainTrusted).toBe(true);
    expect(a.tls?.verification.nameMatches).toBe(true);
    expect(a.capabilitiesBeforeTls?.starttls).toBe(true);
    expect(a.capabilitiesAfterTls).not.toBeNull();
    expect(a.injection?.vulnerable).toBe(false);
  });

  it('implicit TLS: success', async () => {
    const run = await probeHostile(protocol, dialogServer(protocol, { implicit: true }), {
      security: 'implicit',
    });
    expect(run.address.status, JSON.stringify(run.address.error)).toBe('success');
    expect(run.address.tls?.verification.chainTrusted).toBe(true);
    expect(run.address.capabilitiesAfterTls).not.toBeNull();
  });
});

/** A kind of step-wise failure, the script that causes it, and what the probe must report. */
interface StepCase {
  readonly name: string;
  readonly on: Partial<Record<'capabilities' | 'auth' | 'starttls', Act>>;
  readonly expected: (protocol: Protocol) => ExpectedFailure;
}

/** Sends the first half of the normal reply (a multi-line one is cut inside), then resets. */
const halfThenReset: Act = async (peer, ctx) => {
  await peer.write(ctx.normal.slice(0, Math.max(1, Math.floor(ctx.normal.length / 2))));
  await peer.sleep(20);
  peer.reset();
  return 'stop';
};

const RESET_AND_SILENCE: readonly StepCase[] = [
  {
    name: 'reset when the capability command arrives (right after the greeting)',
    on: { capabilities: resetNow },
    expected: (p) => ({ status: 'connection-error', step: capabilitiesStep(p), kind: 'reset' }),
  },
  {
    name: 'reset right after the capability reply',
    on: { capabilities: replyThenReset },
    expected: () => ({ status: 'connection-error', step: 'login-probe', kind: 'reset' }),
  },
  {
    name: 'reset when the login probe starts',
    on: { auth: resetNow },
    expected: () => ({ status: 'connection-error', step: 'login-probe', kind: 'reset' }),
  },
  {
    name: 'reset when the STARTTLS command arrives',
    on: { starttls: resetNow },
    expected: () => ({ status: 'connection-error', step: 'starttls', kind: 'reset' }),
  },
  {
    name: 'reset right after the STARTTLS go-ahead',
    on: { starttls: replyThenReset },
    expected: () => ({ status: 'tls-error', step: 'handshake', kind: ['reset', 'closed'] }),
  },
  {
    name: 'reset at the capability command inside TLS',
    on: { capabilities: insideTls(resetNow) },
    expected: () => ({ status: 'connection-error', step: 'capabilities-after-tls', kind: 'reset' }),
  },
  {
    name: 'reset in the middle of the capability reply',
    on: { capabilities: halfThenReset },
    expected: (p) => ({ status: 'connection-error', step: capabilitiesStep(p), kind: 'reset' }),
  },
  {
    name: 'reset in the middle of the capability reply inside TLS',
    on: { capabilities: insideTls(halfThenReset) },
    expected: () => ({ status: 'connection-error', step: 'capabilities-after-tls', kind: 'reset' }),
  },
  {
    name: 'never answers the capability command (accepts, never closes)',
    on: { capabilities: neverAnswer },
    expected: (p) => ({ status: 'io-timeout', step: capabilitiesStep(p), kind: 'timeout' }),
  },
  {
    name: 'drips the capability reply every 100 ms',
    on: { capabilities: dripNormal(100) },
    expected: (p) => ({ status: 'io-timeout', step: capabilitiesStep(p), kind: 'timeout' }),
  },
  {
    name: 'never answers the login probe',
    on: { auth: neverAnswer },
    expected: () => ({ status: 'io-timeout', step: 'login-probe', kind: 'timeout' }),
  },
  {
    name: 'never answers STARTTLS',
    on: { starttls: neverAnswer },
    expected: () => ({ status: 'io-timeout', step: 'starttls', kind: 'timeout' }),
  },
  {
    name: 'never answers the capability command inside TLS',
    on: { capabilities: insideTls(neverAnswer) },
    expected: () => ({ status: 'io-timeout', step: 'capabilities-after-tls', kind: 'timeout' }),
  },
];

describe.concurrent.each(ALL_PROTOCOLS)('%s: reset or silence at one step', (protocol) => {
  it.each(RESET_AND_SILENCE)('$name', async (c) => {
    const run = await probeHostile(protocol, dialogServer(protocol, { on: c.on }));
    expectFailure(run, c.expected(protocol));
    // Everything seen before the failure is kept.
    if (c.expected(protocol).step !== 'greeting') expect(run.address.greeting).not.toBeNull();
  });
});

describe.concurrent.each(ALL_PROTOCOLS)('%s: reset at the goodbye', (protocol) => {
  it('everything was learnt before it: the probe succeeds, nothing waits on the goodbye', async () => {
    const run = await probeHostile(protocol, dialogServer(protocol, { on: { quit: resetNow } }));
    expect(run.address.status).toBe('success');
    expect(run.address.capabilitiesAfterTls).not.toBeNull();
  });
});

/** STARTTLS answered with an error, per protocol. */
const REFUSALS: readonly {
  protocol: Protocol;
  name: string;
  reply: Act;
  outcome: 'refused' | 'temporarily-unavailable';
}[] = [
  {
    protocol: 'imap',
    name: 'NO',
    reply: say((c) => `${c.tag} NO STARTTLS not allowed\r\n`),
    outcome: 'refused',
  },
  {
    // RFC 5530: UNAVAILABLE is a temporary failure.
    protocol: 'imap',
    name: 'NO [UNAVAILABLE]',
    reply: say((c) => `${c.tag} NO [UNAVAILABLE] STARTTLS not now\r\n`),
    outcome: 'temporarily-unavailable',
  },
  {
    protocol: 'imap',
    name: 'BAD',
    reply: say((c) => `${c.tag} BAD unknown command\r\n`),
    outcome: 'refused',
  },
  { protocol: 'pop3', name: '-ERR', reply: say('-ERR STLS not available\r\n'), outcome: 'refused' },
  {
    protocol: 'smtp',
    name: '454',
    reply: say('454 4.7.0 TLS not available due to temporary reason\r\n'),
    outcome: 'temporarily-unavailable',
  },
  {
    protocol: 'smtp',
    name: '502',
    reply: say('502 5.5.1 Command not implemented\r\n'),
    outcome: 'refused',
  },
  {
    protocol: 'submission',
    name: '454',
    reply: say('454 4.7.0 TLS not available due to temporary reason\r\n'),
    outcome: 'temporarily-unavailable',
  },
  {
    protocol: 'submission',
    name: '502',
    reply: say('502 5.5.1 Command not implemented\r\n'),
    outcome: 'refused',
  },
  {
    protocol: 'xmpp',
    name: '<failure/>',
    reply: async (peer) => {
      await peer.write(XMPP_STARTTLS_FAILURE);
      peer.end();
      return 'stop';
    },
    outcome: 'refused',
  },
];

describe.concurrent('STARTTLS answered with an error', () => {
  it.each(REFUSALS)('$protocol: $name', async ({ protocol, reply, outcome }) => {
    const run = await probeHostile(protocol, dialogServer(protocol, { on: { starttls: reply } }));
    expectFailure(run, { status: 'starttls-refused', step: 'starttls', kind: 'refused-by-server' });
    expect(run.address.starttls?.attempted).toBe(true);
    expect(run.address.starttls?.outcome).toBe(outcome);
    expect(run.address.starttls?.reply.length).toBeGreaterThan(0);
    expect(run.address.tls).toBeNull();
    // No injection result without a go-ahead (the test may have opened its connection early).
    expect(run.address.injection).toBeNull();
    expect(run.address.connections).toBeLessThanOrEqual(2);
  });
});

/** Plaintext sent in the same write as the go-ahead, per protocol. */
const INJECTED: Readonly<Record<Protocol, string>> = {
  imap: '* OK [ALERT] injected\r\n',
  pop3: '+OK injected\r\n',
  smtp: '250 injected\r\n',
  submission: '250 injected\r\n',
  xmpp: "<message from='evil@hostile.test'><body>injected\u202E</body></message>",
};

describe.concurrent.each(ALL_PROTOCOLS)('%s: STARTTLS weaknesses', (protocol) => {
  it('plaintext after the go-ahead is recorded (escaped), never read as TLS data', async () => {
    const run = await probeHostile(
      protocol,
      dialogServer(protocol, { plaintextAfterGoAhead: INJECTED[protocol] }),
    );
    const a = run.address;
    expect(a.status, JSON.stringify(a.error)).toBe('success');
    expect(a.starttls?.plaintextAfterGoAhead?.bytes).toBe(Buffer.byteLength(INJECTED[protocol]));
    expect(a.starttls?.plaintextAfterGoAhead?.preview).toContain('injected');
    expect(a.tls?.verification.chainTrusted).toBe(true);
    expect(a.capabilitiesAfterTls).not.toBeNull();
  });

  it('a server that answers commands pipelined behind STARTTLS inside TLS is found vulnerable', async () => {
    const run = await probeHostile(protocol, dialogServer(protocol, { injectionVulnerable: true }));
    const a = run.address;
    expect(a.status, JSON.stringify(a.error)).toBe('success');
    expect(a.injection?.tested).toBe(true);
    expect(a.injection?.vulnerable, JSON.stringify(a.injection)).toBe(true);
    expect(a.connections).toBe(2);
  });
});

describe.concurrent('endless multi-line replies', () => {
  const cases: readonly { protocol: Protocol; act: Act; limit: string[] }[] = [
    { protocol: 'imap', act: endless('* CAPABILITY X\r\n'), limit: ['maxLinesPerStep'] },
    { protocol: 'pop3', act: endless('X-EXT\r\n', '+OK\r\n'), limit: ['maxLinesPerStep'] },
    { protocol: 'smtp', act: endless('250-x\r\n'), limit: ['maxLinesPerStep'] },
    { protocol: 'submission', act: endless('250-x\r\n'), limit: ['maxLinesPerStep'] },
  ];
  it.each(cases)('$protocol: a capability reply without end', async ({ protocol, act, limit }) => {
    const run = await probeHostile(protocol, dialogServer(protocol, { on: { capabilities: act } }));
    expectFailure(run, { status: 'limit-exceeded', step: 'capabilities', kind: 'limit' });
    expect(limit).toContain(run.address.error?.limit?.name);
    expect(run.address.greeting).not.toBeNull();
  });
});

describe.concurrent.each(ALL_PROTOCOLS)('%s: hostile only to the injection test', (protocol) => {
  const second: readonly [string, Behaviour][] = [
    ['silence', raw.silence],
    ['an endless line', raw.endlessLine],
    ['a reset', raw.resetAfter(20)],
    ['broken TLS after the go-ahead', dialogServer(protocol, { afterGoAhead: tlsActs.fatalAlert })],
  ];
  it.each(second)(
    'second connection: %s — the main facts stand, the test is unknown',
    async (_, b) => {
      const run = await probeHostile(protocol, perConnection([dialogServer(protocol), b]));
      const a = run.address;
      expect(a.status, JSON.stringify(a.error)).toBe('success');
      expect(a.connections).toBe(2);
      expect(a.injection?.vulnerable).toBe('unknown');
      expect(a.injection?.error).toBeDefined();
      expect(run.elapsedMs).toBeLessThan(OVERALL_MS + MARGIN_MS);
    },
  );
});

describe.concurrent.each(ALL_PROTOCOLS)('%s: slow at every step', (protocol) => {
  it('each reply within its step deadline, the whole probe not: the overall deadline ends it', async () => {
    const slow = delayed(700);
    const behaviour = dialogServer(protocol, {
      // XMPP's greeting step reads the header and the features: delaying the features is enough.
      ...(protocol === 'xmpp' ? {} : { greeting: slow }),
      // One delay per step (the login probe's cancel is answered at once).
      on: { capabilities: slow, auth: slow, starttls: slow, noop: slow, other: slow },
    });
    const overallTimeoutMs = 2000;
    const run = await probeHostile(protocol, behaviour, { overallTimeoutMs });
    expect(run.address.status).toBe('io-timeout');
    expect(run.address.error?.kind).toBe('timeout');
    expect(run.address.error?.message).toMatch(/whole probe/);
    expect(run.address.greeting).not.toBeNull();
    expect(run.elapsedMs).toBeGreaterThanOrEqual(overallTimeoutMs - 50);
    expect(run.elapsedMs).toBeLessThan(overallTimeoutMs + MARGIN_MS);
  });
});

describe.concurrent.each(ALL_PROTOCOLS)('%s: a server that will not say goodbye', (protocol) => {
  it('never answers LOGOUT / QUIT / </stream:stream>, never closes: success, in bounded time', async () => {
    const run = await probeHostile(
      protocol,
      dialogServer(protocol, { on: { quit: neverAnswer } }),
      {
        injectionTest: false,
      },
    );
    expect(run.address.status, JSON.stringify(run.address.error)).toBe('success');
    expect(run.address.capabilitiesAfterTls).not.toBeNull();
    expect(run.elapsedMs).toBeLessThan(OVERALL_MS);
  });
});
