/**
 * XMPP streams built to exhaust a parser: deep nesting, huge attributes and text, endless
 * children, DTDs with entity expansion (billion laughs) or external entities, and endless
 * whitespace. Each ends with a limit or a protocol error at the step it was sent in, in bounded
 * time, after STARTTLS's plaintext phase and inside implicit TLS.
 */
import { describe, expect, it, vi } from 'vitest';
import type { Security } from '../../app/core/facts/endpoint';
import { expectFailure, probeHostile, type ExpectedFailure } from './harness';
import { dialogServer, endless, xmppStreamHeader, type Act } from './servers';
import { BILLION_LAUGHS, bomb, sendAndHold, streamOpen } from './xmpp-bombs';

// Most cases wait on a deadline, not on the CPU: run many at once (the default is 5).
vi.setConfig({ maxConcurrency: 16 });

const NS_SASL = 'urn:ietf:params:xml:ns:xmpp-sasl';
const MB = 1024 * 1024;

interface BombCase {
  readonly name: string;
  /** Replaces the server's stream header (and what follows) … */
  readonly greeting?: Act;
  /** … or the stream features, sent after a normal header. */
  readonly features?: Act;
  readonly expected: ExpectedFailure;
  /** Acceptable limit names, when it is a limit. */
  readonly limits?: readonly string[];
}

const CASES: readonly BombCase[] = [
  {
    name: '10,000 nested elements inside the features',
    features: sendAndHold(`<stream:features>${'<a>'.repeat(10_000)}`),
    expected: { status: 'limit-exceeded', step: 'greeting', kind: 'limit', limit: 'maxDepth' },
  },
  {
    name: '10,000 nested elements right under the stream',
    features: sendAndHold('<x xmlns="urn:x">'.repeat(10_000)),
    expected: { status: 'limit-exceeded', step: 'greeting', kind: 'limit', limit: 'maxDepth' },
  },
  {
    name: 'a 5 MB attribute in the features',
    features: bomb("<stream:features><x a='", 'A', 5 * MB, "'/></stream:features>"),
    expected: { status: 'limit-exceeded', step: 'greeting', kind: 'limit' },
    limits: ['maxElementChars', 'maxAttributeValueChars', 'maxBytesPerStep'],
  },
  {
    name: 'a 5 MB attribute in the stream header',
    greeting: bomb(
      `<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' id='`,
      'A',
      5 * MB,
      "' version='1.0'>",
    ),
    expected: { status: 'limit-exceeded', step: 'greeting', kind: 'limit' },
    limits: ['maxElementChars', 'maxAttributeValueChars', 'maxBytesPerStep'],
  },
  {
    name: '5 MB of text in the features',
    features: bomb('<stream:features>', 'T', 5 * MB, '</stream:features>'),
    expected: { status: 'limit-exceeded', step: 'greeting', kind: 'limit' },
    limits: ['maxElementChars', 'maxTextChars', 'maxBytesPerStep'],
  },
  {
    name: 'endless children in the features',
    features: endless(
      '<mechanism>PLAIN</mechanism>',
      `<stream:features><mechanisms xmlns='${NS_SASL}'>`,
    ),
    expected: { status: 'limit-exceeded', step: 'greeting', kind: 'limit' },
    limits: ['maxChildren', 'maxElementChars', 'maxBytesPerStep'],
  },
  {
    name: '10,000 attributes on the features',
    features: sendAndHold(
      `<stream:features ${Array.from({ length: 10_000 }, (_, i) => `a${i}=''`).join(' ')}>`,
    ),
    expected: { status: 'limit-exceeded', step: 'greeting', kind: 'limit' },
    limits: ['maxAttributes', 'maxElementChars'],
  },
  {
    name: 'endless whitespace keepalives instead of features',
    features: endless(' '),
    expected: { status: 'limit-exceeded', step: 'greeting', kind: 'limit' },
    limits: ['maxBytesPerStep', 'maxBytesTotal', 'maxElementChars'],
  },
  {
    name: 'billion laughs: a DTD with nested entities, then the stream',
    greeting: sendAndHold(`${BILLION_LAUGHS}${streamOpen}<stream:features>&lol9;`),
    expected: { status: 'protocol-error', step: 'greeting', kind: 'protocol' },
  },
  {
    name: 'an external entity (XXE)',
    greeting: sendAndHold(
      `<?xml version='1.0'?><!DOCTYPE s [<!ENTITY xxe SYSTEM 'file:///etc/passwd'>]>${streamOpen}<stream:features>&xxe;</stream:features>`,
    ),
    expected: { status: 'protocol-error', step: 'greeting', kind: 'protocol' },
  },
  {
    name: 'a 5 MB DTD internal subset',
    greeting: bomb("<?xml version='1.0'?><!DOCTYPE s [<!-- ", 'D', 5 * MB, ' -->]>'),
    expected: { status: 'limit-exceeded', step: 'greeting', kind: ['limit', 'protocol'] },
  },
  {
    name: 'an undeclared entity reference',
    features: sendAndHold('<stream:features>&lol;</stream:features>'),
    expected: { status: 'protocol-error', step: 'greeting', kind: 'protocol' },
  },
  {
    name: 'a comment and a processing instruction in the stream',
    features: sendAndHold('<!-- hidden --><?evil instruction?><stream:features></stream:features>'),
    expected: { status: 'protocol-error', step: 'greeting', kind: 'protocol' },
  },
  {
    name: 'garbage bytes (NUL, invalid UTF-8) inside the features',
    features: async (peer) => {
      await peer.write('<stream:features>');
      await peer.write(Buffer.from([0x00, 0xff, 0xfe, 0x1b, 0x5b, 0x33, 0x31, 0x6d]));
      await peer.hold();
      return 'stop';
    },
    expected: { status: 'protocol-error', step: 'greeting', kind: 'protocol' },
  },
];

const MODES: readonly Security[] = ['starttls', 'implicit'];

describe.concurrent.each(MODES)('xmpp bombs (%s)', (security) => {
  it.each(CASES)('$name', async (c) => {
    const behaviour = dialogServer('xmpp', {
      ...(security === 'implicit' ? { implicit: true } : {}),
      ...(c.greeting ? { greeting: c.greeting } : {}),
      ...(c.features ? { on: { capabilities: c.features } } : {}),
    });
    const run = await probeHostile('xmpp', behaviour, { security });
    // A long DTD is refused either by size or as a DTD: both name the problem.
    const expected =
      c.name.includes('DTD internal subset') && run.address.status === 'protocol-error'
        ? { ...c.expected, status: 'protocol-error' as const }
        : c.expected;
    expectFailure(run, expected);
    if (c.limits) expect(c.limits).toContain(run.address.error?.limit?.name);
    if (security === 'implicit') expect(run.address.tls?.verification.chainTrusted).toBe(true);
    // The bomb's bytes were not all read: the server could not push them.
    expect(run.server.bytesWritten).toBeLessThan(5 * MB);
  });
});

describe.concurrent('xmpp: a server stream header without features', () => {
  it('a header, then silence: io-timeout at the greeting', async () => {
    const run = await probeHostile(
      'xmpp',
      dialogServer('xmpp', { greeting: sendAndHold(xmppStreamHeader()) }),
    );
    expectFailure(run, { status: 'io-timeout', step: 'greeting', kind: 'timeout' });
  });
});
