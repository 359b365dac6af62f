/**
 * IMAP framing abused: literals announced huge, announced and never sent, chained; a
 * continuation request or a foreign tag where a tagged completion belongs; BYE in the middle of
 * a command. Each ends in bounded time with a fact naming the problem.
 */
import { describe, expect, it } from 'vitest';
import { expectFailure, probeHostile } from './harness';
import { dialogServer, type Act } from './servers';

/** Sends `text(tag)` as the answer to CAPABILITY, then holds the connection. */
function answer(text: (tag: string) => string): Act {
  return async (peer, ctx) => {
    await peer.write(text(ctx.tag));
    await peer.hold();
    return 'stop';
  };
}

describe.concurrent('imap: abused framing', () => {
  it('a literal announced as 100 MB: limit at the capabilities', async () => {
    const run = await probeHostile(
      'imap',
      dialogServer('imap', { on: { capabilities: answer(() => '* CAPABILITY {100000000}\r\n') } }),
    );
    expectFailure(run, { status: 'limit-exceeded', step: 'capabilities', kind: 'limit' });
  });

  it('a literal announced and never sent: io-timeout at the capabilities', async () => {
    const run = await probeHostile(
      'imap',
      dialogServer('imap', { on: { capabilities: answer(() => '* CAPABILITY {1000}\r\nabc') } }),
    );
    expectFailure(run, { status: 'io-timeout', step: 'capabilities', kind: 'timeout' });
  });

  it('literals chained without end (60 KB each): a byte limit at the capabilities', async () => {
    const literal = `{61440}\r\n${'L'.repeat(61_440)}`;
    const chained: Act = async (peer) => {
      await peer.write('* CAPABILITY X ');
      for (let i = 0; i < 100 && !peer.closed; i++) await peer.write(literal);
      await peer.hold();
      return 'stop';
    };
    const run = await probeHostile('imap', dialogServer('imap', { on: { capabilities: chained } }));
    expectFailure(run, { status: 'limit-exceeded', step: 'capabilities', kind: 'limit' });
    expect(run.server.bytesWritten).toBeLessThan(100 * 61_440);
  });

  it('a continuation request instead of a completion: protocol error', async () => {
    const run = await probeHostile(
      'imap',
      dialogServer('imap', { on: { capabilities: answer(() => '+ go on\r\n') } }),
    );
    expectFailure(run, { status: 'protocol-error', step: 'capabilities', kind: 'protocol' });
    expect(run.address.error?.evidence).toBe('+ go on');
  });

  it('a completion with a tag we never sent: protocol error', async () => {
    const run = await probeHostile(
      'imap',
      dialogServer('imap', { on: { capabilities: answer(() => 'Z999 OK whose?\r\n') } }),
    );
    expectFailure(run, { status: 'protocol-error', step: 'capabilities', kind: 'protocol' });
  });

  it('BYE in the middle of CAPABILITY: the server is closing, at the capabilities', async () => {
    const run = await probeHostile(
      'imap',
      dialogServer('imap', { on: { capabilities: answer(() => '* BYE going away\r\n') } }),
    );
    expectFailure(run, { status: 'connection-error', step: 'capabilities', kind: 'closed' });
  });
});
