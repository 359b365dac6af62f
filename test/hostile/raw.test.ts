/**
 * Servers that do not speak the protocol at all: an endless line, a 10 MB banner, a drip,
 * silence, a reset or a close at once, garbage. Every protocol, plaintext-first (STARTTLS mode)
 * and, where it differs, implicit TLS. Each probe ends within its deadline with a fact naming
 * what went wrong.
 */
import { describe, expect, it, vi } from 'vitest';
import {
  ALL_PROTOCOLS,
  LINE_PROTOCOLS,
  OVERALL_MS,
  TIMEOUTS,
  expectFailure,
  probeHostile,
} from './harness';
import { normalGreeting, raw, xmppFeatures, xmppStreamHeader } from './servers';

// Most cases wait on a deadline, not on the CPU: run many at once (the default is 5).
vi.setConfig({ maxConcurrency: 16 });
import type { Protocol } from '../../app/core/facts/endpoint';

/** What a valid greeting looks like for each protocol (XMPP: header and features). */
function validGreeting(protocol: Protocol): string {
  return protocol === 'xmpp' ? xmppStreamHeader() + xmppFeatures(false) : normalGreeting(protocol);
}

describe.concurrent.each(LINE_PROTOCOLS)('%s: no protocol at all', (protocol) => {
  it('endless line: limit maxLineBytes at the greeting', async () => {
    const run = await probeHostile(protocol, raw.endlessLine);
    expectFailure(run, {
      status: 'limit-exceeded',
      step: 'greeting',
      kind: 'limit',
      limit: 'maxLineBytes',
    });
    expect(run.address.error?.evidence).toMatch(/^A+…$/);
  });

  it('10 MB banner: limit maxLineBytes at the greeting, long before the banner ends', async () => {
    const run = await probeHostile(protocol, raw.hugeBanner(10 * 1024 * 1024, '* OK '));
    expectFailure(run, {
      status: 'limit-exceeded',
      step: 'greeting',
      kind: 'limit',
      limit: 'maxLineBytes',
    });
    // The client stopped reading: the server could not push the whole banner.
    expect(run.server.bytesWritten).toBeLessThan(10 * 1024 * 1024);
  });

  it('garbage instead of a greeting: protocol error with escaped, truncated evidence', async () => {
    const run = await probeHostile(protocol, raw.garbage);
    expectFailure(run, { status: 'protocol-error', step: 'greeting', kind: 'protocol' });
    const evidence = run.address.error?.evidence ?? '';
    expect(evidence).toContain('\\x00');
    expect(evidence).toContain('\\x1b[31mRED');
    expect(evidence).toContain('\\u{202e}');
    expect(evidence.length).toBeLessThanOrEqual(400);
  });
});

describe.concurrent.each(ALL_PROTOCOLS)('%s: silent or slow servers', (protocol) => {
  it('silence after connect: io-timeout at the greeting', async () => {
    const run = await probeHostile(protocol, raw.silence);
    expectFailure(run, { status: 'io-timeout', step: 'greeting', kind: 'timeout' });
    expect(run.elapsedMs).toBeGreaterThanOrEqual(TIMEOUTS.step - 50);
  });

  it('valid greeting dripped one byte per second: io-timeout at the greeting', async () => {
    const run = await probeHostile(protocol, raw.drip(validGreeting(protocol), 1000));
    expectFailure(run, { status: 'io-timeout', step: 'greeting', kind: 'timeout' });
  });

  it('valid greeting dripped every 100 ms: the step deadline covers the whole step', async () => {
    // Each byte comes well within the step deadline, but the whole greeting does not.
    const run = await probeHostile(protocol, raw.drip(validGreeting(protocol), 100));
    expectFailure(run, { status: 'io-timeout', step: 'greeting', kind: 'timeout' });
    expect(run.elapsedMs).toBeLessThan(OVERALL_MS);
  });

  it('reset as soon as accepted: connection error (reset) at connect or greeting', async () => {
    // The RST may arrive before the client saw its connect complete: both steps are honest.
    const run = await probeHostile(protocol, raw.resetAtOnce);
    expectFailure(run, {
      status: 'connection-error',
      step: ['connect', 'greeting'],
      kind: 'reset',
    });
  });

  it('reset 50 ms after connect: connection error (reset) at the greeting', async () => {
    const run = await probeHostile(protocol, raw.resetAfter(50));
    expectFailure(run, { status: 'connection-error', step: 'greeting', kind: 'reset' });
  });

  it('closed right after connect: connection error (closed) at the greeting', async () => {
    const run = await probeHostile(protocol, raw.closeAtOnce);
    expectFailure(run, {
      status: 'connection-error',
      step: 'greeting',
      kind: protocol === 'xmpp' ? ['closed', 'reset'] : 'closed',
    });
  });
});

describe.concurrent('xmpp: no protocol at all', () => {
  it('endless bytes without markup: refused as not XML, or a size limit, at the greeting', async () => {
    const run = await probeHostile('xmpp', raw.endlessLine);
    expectFailure(run, {
      status: run.address.status === 'limit-exceeded' ? 'limit-exceeded' : 'protocol-error',
      step: 'greeting',
      kind: ['protocol', 'limit'],
    });
  });

  it('10 MB of text before the stream header: refused at the greeting', async () => {
    const run = await probeHostile('xmpp', raw.hugeBanner(10 * 1024 * 1024));
    expectFailure(run, {
      status: run.address.status === 'limit-exceeded' ? 'limit-exceeded' : 'protocol-error',
      step: 'greeting',
      kind: ['protocol', 'limit'],
    });
    expect(run.server.bytesWritten).toBeLessThan(10 * 1024 * 1024);
  });

  it('garbage instead of a stream header: protocol error with escaped evidence', async () => {
    const run = await probeHostile('xmpp', raw.garbage);
    expectFailure(run, { status: 'protocol-error', step: 'greeting', kind: 'protocol' });
    // The issue asks for "protocol violation with the offending line truncated" (escaping is
    // checked for every fact by the harness).
    expect(run.address.error?.evidence, JSON.stringify(run.address.error)).toMatch(/\\x00/);
  });
});

describe.concurrent.each(ALL_PROTOCOLS)('%s, implicit TLS: no TLS at all', (protocol) => {
  it('silence: io-timeout at the handshake', async () => {
    const run = await probeHostile(protocol, raw.silence, { security: 'implicit' });
    expectFailure(run, { status: 'io-timeout', step: 'handshake', kind: 'timeout' });
  });

  it('endless line instead of a ServerHello: TLS error at the handshake', async () => {
    const run = await probeHostile(protocol, raw.endlessLine, { security: 'implicit' });
    expectFailure(run, { status: 'tls-error', step: 'handshake', kind: 'tls' });
  });

  it('garbage instead of a ServerHello: TLS error at the handshake', async () => {
    const run = await probeHostile(protocol, raw.garbage, { security: 'implicit' });
    expectFailure(run, { status: 'tls-error', step: 'handshake', kind: 'tls' });
  });

  it('reset 50 ms after connect (after the ClientHello): TLS error (reset) at the handshake', async () => {
    const run = await probeHostile(protocol, raw.resetAfter(50), { security: 'implicit' });
    expectFailure(run, { status: 'tls-error', step: 'handshake', kind: 'reset' });
  });
});
