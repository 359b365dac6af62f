/**
 * Broken TLS, for every protocol, after the STARTTLS go-ahead and on implicit TLS: a partial
 * ServerHello then a reset, a fatal alert, an alert storm, an oversized record, a truncated record
 * (then silence, or a close), no handshake at all, plaintext instead of TLS; and on implicit TLS,
 * a dialog that turns hostile once inside TLS.
 */
import { describe, expect, it, vi } from 'vitest';
import {
  ALL_PROTOCOLS,
  TIMEOUTS,
  capabilitiesStep,
  expectFailure,
  probeHostile,
  type ExpectedFailure,
} from './harness';
import { dialogServer, endless, garbageBytes, neverAnswer, resetNow, type Act } from './servers';
import { tlsActs, type TlsActName } from './tls-servers';

// Most cases wait on a deadline, not on the CPU: run many at once (the default is 5).
vi.setConfig({ maxConcurrency: 16 });

/** What a broken TLS server makes the probe report, after STARTTLS or on implicit TLS. */
const TLS_CASES: readonly { act: TlsActName; expected: ExpectedFailure }[] = [
  {
    act: 'partialHelloThenReset',
    expected: { status: 'tls-error', step: 'handshake', kind: 'reset' },
  },
  {
    act: 'fatalAlert',
    expected: { status: 'tls-error', step: 'handshake', kind: 'tls', alert: 'handshake_failure' },
  },
  { act: 'alertStorm', expected: { status: 'tls-error', step: 'handshake', kind: 'tls' } },
  { act: 'oversizedRecord', expected: { status: 'tls-error', step: 'handshake', kind: 'tls' } },
  {
    act: 'truncatedThenSilence',
    expected: { status: 'io-timeout', step: 'handshake', kind: 'timeout' },
  },
  {
    act: 'truncatedThenClose',
    expected: { status: 'tls-error', step: 'handshake', kind: ['closed', 'reset'] },
  },
  { act: 'silence', expected: { status: 'io-timeout', step: 'handshake', kind: 'timeout' } },
  {
    act: 'plaintextInsteadOfTls',
    expected: { status: 'tls-error', step: 'handshake', kind: 'tls' },
  },
];

describe.concurrent.each(ALL_PROTOCOLS)('%s: broken TLS after the go-ahead', (protocol) => {
  it.each(TLS_CASES)('$act', async ({ act, expected }) => {
    const run = await probeHostile(
      protocol,
      dialogServer(protocol, { afterGoAhead: tlsActs[act] }),
    );
    expectFailure(run, expected);
    expect(run.address.starttls?.outcome).toBe('accepted');
    expect(run.address.capabilitiesBeforeTls).not.toBeNull();
    expect(run.address.tls).toBeNull();
    if (expected.kind === 'timeout') {
      expect(run.elapsedMs).toBeGreaterThanOrEqual(TIMEOUTS.handshake - 50);
    }
  });
});

describe.concurrent.each(ALL_PROTOCOLS)('%s: broken implicit TLS', (protocol) => {
  it.each(TLS_CASES)('$act', async ({ act, expected }) => {
    const run = await probeHostile(protocol, dialogServer(protocol, { implicit: tlsActs[act] }), {
      security: 'implicit',
    });
    expectFailure(run, expected);
    expect(run.address.tls).toBeNull();
    expect(run.address.greeting).toBeNull();
  });
});

describe.concurrent.each(ALL_PROTOCOLS)('%s, implicit TLS: hostile inside TLS', (protocol) => {
  const implicit = { security: 'implicit' } as const;

  it('garbage greeting inside TLS: protocol error at the greeting, TLS facts kept', async () => {
    const garbage: Act = async (peer) => {
      await peer.write(garbageBytes());
      await peer.hold();
      return 'stop';
    };
    const run = await probeHostile(
      protocol,
      dialogServer(protocol, { implicit: true, greeting: garbage }),
      implicit,
    );
    expectFailure(run, { status: 'protocol-error', step: 'greeting', kind: 'protocol' });
    expect(run.address.tls?.verification.chainTrusted).toBe(true);
  });

  it('an endless line inside TLS: stopped at the greeting', async () => {
    const run = await probeHostile(
      protocol,
      dialogServer(protocol, { implicit: true, greeting: endless('A') }),
      implicit,
    );
    if (protocol === 'xmpp') {
      expectFailure(run, { status: 'protocol-error', step: 'greeting', kind: 'protocol' });
    } else {
      expectFailure(run, {
        status: 'limit-exceeded',
        step: 'greeting',
        kind: 'limit',
        limit: 'maxLineBytes',
      });
    }
    expect(run.address.tls).not.toBeNull();
  });

  it('reset at the capability command inside TLS', async () => {
    const run = await probeHostile(
      protocol,
      dialogServer(protocol, { implicit: true, on: { capabilities: resetNow } }),
      implicit,
    );
    expectFailure(run, {
      status: 'connection-error',
      step: capabilitiesStep(protocol),
      kind: 'reset',
    });
  });

  it('never answers the capability command inside TLS', async () => {
    const run = await probeHostile(
      protocol,
      dialogServer(protocol, { implicit: true, on: { capabilities: neverAnswer } }),
      implicit,
    );
    expectFailure(run, { status: 'io-timeout', step: capabilitiesStep(protocol), kind: 'timeout' });
  });
});
