/**
 * SMTP and submission servers with abusive replies: every reply (the greeting too) a 10 KB
 * multi-line reply, endless multi-line replies at the greeting and at STARTTLS, an over-long
 * reply line, and a 421 greeting.
 */
import { describe, expect, it } from 'vitest';
import { expectFailure, probeHostile } from './harness';
import { dialogServer, endless, type Act, type CommandContext } from './servers';

/**
 * The normal reply made about `bytes` long: padding lines inserted before its last line (after
 * the real EHLO keywords; a long list of keywords is steps.test.ts's "long capability list").
 */
function padReply(normal: string, bytes: number): string {
  const lines = normal.split('\r\n').filter((l) => l !== '');
  const code = (lines[0] ?? '250').slice(0, 3);
  const padding = Array.from(
    { length: Math.ceil(bytes / 100) },
    (_, i) => `${code}-X-PADDING-${String(i).padStart(4, '0')} ${'p'.repeat(80)}`,
  );
  const last = lines.at(-1) ?? `${code} `;
  const init = lines.slice(0, -1);
  // A single-line reply becomes "CODE-text", padding, "CODE end of a long reply".
  if (init.length === 0) {
    return [`${code}-${last.slice(4)}`, ...padding, `${code} end of a long reply`, ''].join('\r\n');
  }
  return [...init, ...padding, last, ''].join('\r\n');
}

const padded: Act = async (peer, ctx: CommandContext) => {
  await peer.write(padReply(ctx.normal, 10 * 1024));
  if (ctx.command.toUpperCase() === 'QUIT') {
    peer.end();
    return 'stop';
  }
  return ctx.command.toUpperCase() === 'STARTTLS' && !peer.isTls
    ? (await peer.startTls()) // same tick as the write above
      ? 'continue'
      : 'stop'
    : 'continue';
};

describe.concurrent.each(['smtp', 'submission'] as const)('%s: abusive replies', (protocol) => {
  it('every reply 10 KB long (multi-line): read whole, the probe succeeds', async () => {
    const behaviour = dialogServer(protocol, {
      greeting: async (peer, ctx) => {
        await peer.write(padReply(ctx.normal, 10 * 1024));
        return 'continue';
      },
      on: {
        capabilities: padded,
        starttls: padded,
        auth: padded,
        cancel: padded,
        noop: padded,
        quit: padded,
        other: padded,
      },
    });
    const run = await probeHostile(protocol, behaviour);
    const a = run.address;
    expect(a.status, JSON.stringify(a.error)).toBe('success');
    expect(a.greeting?.code).toBe(220);
    expect(a.greeting?.lines.length).toBeGreaterThan(100);
    expect(a.capabilitiesBeforeTls?.starttls).toBe(true);
    expect(a.capabilitiesBeforeTls?.saslMechanisms).toEqual(
      expect.arrayContaining(['PLAIN', 'LOGIN']),
    );
    expect(a.starttls?.outcome).toBe('accepted');
    expect(a.capabilitiesAfterTls?.starttls).toBe(false);
  });

  it('an endless multi-line greeting (220- forever): limit at the greeting', async () => {
    const behaviour = dialogServer(protocol, { greeting: endless('220-x\r\n') });
    const run = await probeHostile(protocol, behaviour);
    expectFailure(run, {
      status: 'limit-exceeded',
      step: 'greeting',
      kind: 'limit',
      limit: 'maxLinesPerStep',
    });
  });

  it('an endless multi-line STARTTLS reply (220- forever): limit at STARTTLS', async () => {
    const behaviour = dialogServer(protocol, { on: { starttls: endless('220-x\r\n') } });
    const run = await probeHostile(protocol, behaviour);
    expectFailure(run, {
      status: 'limit-exceeded',
      step: 'starttls',
      kind: 'limit',
      limit: 'maxLinesPerStep',
    });
  });

  it('an EHLO reply line of 20 KB: limit maxLineBytes at the capabilities', async () => {
    const behaviour = dialogServer(protocol, {
      on: {
        capabilities: async (peer) => {
          await peer.write(`250-${'x'.repeat(20 * 1024)}\r\n250 OK\r\n`);
          return 'continue';
        },
      },
    });
    const run = await probeHostile(protocol, behaviour);
    expectFailure(run, {
      status: 'limit-exceeded',
      step: 'capabilities',
      kind: 'limit',
      limit: 'maxLineBytes',
    });
  });

  it('a multi-line reply whose lines change code: ends with a fact, in time', async () => {
    const behaviour = dialogServer(protocol, {
      on: {
        capabilities: async (peer) => {
          await peer.write('250-hostile.test\r\n354-what\r\n250 STARTTLS\r\n');
          return 'continue';
        },
      },
    });
    const run = await probeHostile(protocol, behaviour);
    // Either read as one reply or refused as a protocol violation: never a hang or a crash.
    if (run.address.status !== 'success') {
      expectFailure(run, { status: 'protocol-error', step: 'capabilities', kind: 'protocol' });
    }
  });

  it('a 421 greeting, then the server closes: ends at the greeting step or right after', async () => {
    const behaviour = dialogServer(protocol, {
      greeting: async (peer) => {
        await peer.write('421 4.3.2 hostile.test Service not available, closing channel\r\n');
        peer.end();
        return 'stop';
      },
    });
    const run = await probeHostile(protocol, behaviour);
    expect(run.address.greeting?.code).toBe(421);
    expect(run.address.status).not.toBe('success');
  });
});
