import type dns from 'node:dns';
import { describe, expect, it } from 'vitest';
import { isProbeError, type ProbeErrorFact } from './errors';
import {
  applyConnectTo,
  cachingLookup,
  parseConnectTo,
  resolveAddresses,
  type LookupFunction,
} from './resolve';

/** A lookup that answers from a table and counts its calls. */
function fakeLookup(table: Record<string, dns.LookupAddress[] | NodeJS.ErrnoException>): {
  lookup: LookupFunction;
  calls: string[];
} {
  const calls: string[] = [];
  const lookup: LookupFunction = (hostname, options, callback) => {
    calls.push(hostname);
    expect(options.all).toBe(true);
    const answer = table[hostname];
    setImmediate(() => {
      if (answer === undefined) {
        callback(
          Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' }),
          [],
        );
      } else if (answer instanceof Error) callback(answer, []);
      else callback(null, answer);
    });
  };
  return { lookup, calls };
}

async function failure(p: Promise<unknown>): Promise<ProbeErrorFact> {
  try {
    await p;
  } catch (err) {
    if (isProbeError(err)) return err.fact;
    throw err;
  }
  throw new Error('expected a ProbeError');
}

describe('resolveAddresses', () => {
  it('returns every A and AAAA address once, in the resolver’s order', async () => {
    const { lookup } = fakeLookup({
      'mail.example.org': [
        { address: '2001:db8::25', family: 6 },
        { address: '192.0.2.25', family: 4 },
        { address: '192.0.2.25', family: 4 },
        { address: '192.0.2.26', family: 4 },
      ],
    });
    expect(await resolveAddresses('mail.example.org.', { lookup })).toEqual([
      { address: '2001:db8::25', family: 6 },
      { address: '192.0.2.25', family: 4 },
      { address: '192.0.2.26', family: 4 },
    ]);
  });

  it('returns IP literals without a lookup', async () => {
    const { lookup, calls } = fakeLookup({});
    expect(await resolveAddresses('127.0.0.1', { lookup })).toEqual([
      { address: '127.0.0.1', family: 4 },
    ]);
    expect(await resolveAddresses('[::1]', { lookup })).toEqual([{ address: '::1', family: 6 }]);
    expect(await resolveAddresses('::1', { lookup })).toEqual([{ address: '::1', family: 6 }]);
    expect(calls).toEqual([]);
  });

  it('turns failures into "dns" errors at step resolve', async () => {
    const { lookup } = fakeLookup({
      empty: [],
      broken: Object.assign(new Error('queryA ESERVFAIL'), { code: 'ESERVFAIL' }),
    });
    expect(await failure(resolveAddresses('nowhere.example', { lookup }))).toMatchObject({
      step: 'resolve',
      kind: 'dns',
      code: 'ENOTFOUND',
    });
    expect(await failure(resolveAddresses('empty', { lookup }))).toMatchObject({ kind: 'dns' });
    expect(await failure(resolveAddresses('broken', { lookup }))).toMatchObject({
      kind: 'dns',
      code: 'ESERVFAIL',
    });
    expect(await failure(resolveAddresses('a b', { lookup }))).toMatchObject({ kind: 'dns' });
  });

  it('has a deadline and obeys the signal', async () => {
    const never: LookupFunction = () => {};
    expect(
      await failure(resolveAddresses('slow.example', { lookup: never, timeoutMs: 50 })),
    ).toMatchObject({
      step: 'resolve',
      kind: 'timeout',
    });
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 20);
    expect(
      await failure(resolveAddresses('slow.example', { lookup: never, signal: ac.signal })),
    ).toMatchObject({ step: 'resolve', kind: 'cancelled' });
  });
});

describe('--connect-to', () => {
  it('parses curl’s HOST:PORT:CONNECT-TO-HOST:CONNECT-TO-PORT', () => {
    expect(parseConnectTo('mail.test.example:993:127.0.0.1:10993')).toEqual({
      host: 'mail.test.example',
      port: 993,
      toHost: '127.0.0.1',
      toPort: 10993,
    });
    expect(parseConnectTo('::[::1]:')).toEqual({
      host: null,
      port: null,
      toHost: '::1',
      toPort: null,
    });
    expect(parseConnectTo('[2001:DB8::1]:25:backend.example.:2525')).toEqual({
      host: '2001:db8::1',
      port: 25,
      toHost: 'backend.example',
      toPort: 2525,
    });
    expect(parseConnectTo('Mail.Example.org:::')).toMatchObject({ host: 'mail.example.org' });
  });

  it.each([
    'a:1:b',
    'a:1:b:2:3',
    'a:99999:b:2',
    'a:x:b:2',
    'a:1:[::1:2',
    'a:1:[b]:2',
    'a b:1:c:2',
    'a:0:b:1',
  ])('rejects %s', (spec) => {
    expect(() => parseConnectTo(spec)).toThrow(/--connect-to/);
  });

  it('the first matching rule decides; empty fields match anything or keep the original', () => {
    const rules = [
      parseConnectTo('mail.test.example:993:127.0.0.1:10993'),
      parseConnectTo('mail.test.example::127.0.0.2:'),
      parseConnectTo(':25:[::1]:2525'),
    ];
    expect(applyConnectTo(rules, 'MAIL.test.example.', 993)).toMatchObject({
      host: '127.0.0.1',
      port: 10993,
    });
    expect(applyConnectTo(rules, 'mail.test.example', 143)).toMatchObject({
      host: '127.0.0.2',
      port: 143,
    });
    expect(applyConnectTo(rules, 'other.example', 25)).toMatchObject({ host: '::1', port: 2525 });
    expect(applyConnectTo(rules, 'other.example', 587)).toEqual({
      host: 'other.example',
      port: 587,
      rule: null,
    });
  });
});

describe('cachingLookup', () => {
  it('asks once per name and family, hands the same answer (or error) to every caller', async () => {
    const asked: string[] = [];
    const base: LookupFunction = (hostname, _options, callback) => {
      asked.push(hostname);
      setTimeout(() => {
        if (hostname === 'gone.example') {
          callback(Object.assign(new Error('ENOTFOUND'), { code: 'ENOTFOUND' }), []);
        } else callback(null, [{ address: '192.0.2.1', family: 4 }]);
      }, 5);
    };
    const lookup = cachingLookup(base);
    const ask = (name: string) =>
      new Promise<{ err: unknown; n: number }>((resolve) =>
        lookup(name, { all: true }, (err, addresses) => resolve({ err, n: addresses.length })),
      );
    const answers = await Promise.all([
      ask('mail.example'),
      ask('MAIL.example'),
      ask('mail.example'),
      ask('gone.example'),
      ask('gone.example'),
    ]);
    expect(asked).toEqual(['mail.example', 'gone.example']);
    expect(answers.map((a) => a.n)).toEqual([1, 1, 1, 0, 0]);
    expect(answers[4]?.err).toBeInstanceOf(Error);
    await resolveAddresses('mail.example', { lookup });
    expect(asked).toHaveLength(2);
  });
});
