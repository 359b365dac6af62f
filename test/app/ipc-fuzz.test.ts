/**
 * Property tests (fast-check) of the one door into main, dispatchInvoke, for every invoke
 * channel of the contract, with handlers that only record what reaches them:
 * - every input object of the contract is strict (unknown keys refused): a structural check that
 *   the properties below rely on;
 * - valid arguments, generated from the channel's own schemas, reach the handler once, as the
 *   schema's output;
 * - invalid arguments by construction (wrong arity; a huge string, a deep nest or a wrong type in
 *   place of any value; an extra key such as "__proto__", "constructor" or "prototype" on any
 *   object) are refused with the public invalid-arguments error, and no handler runs;
 * - arbitrary argument lists (anything structured clone can carry, JSON values, deep nests) are
 *   either refused that way or reach the handler as valid input: nothing else ever escapes, and
 *   Object.prototype is never touched;
 * - an unknown channel is refused as such, whatever the arguments.
 */
import fc from 'fast-check';
import * as v from 'valibot';
import { afterAll, describe, expect, it } from 'vitest';
import { accounts, checks, listInvokes, type InvokeSpec } from '../../app/contract';
import { PublicError } from '../../app/main/errors';
import { channels, dispatchInvoke, isChannel, type Handlers } from '../../app/main/ipc';
import { propertyRuns } from '../support/properties';

// ── handlers that record, and refuse to do anything ──

interface Call {
  readonly channel: string;
  readonly args: readonly unknown[];
}
const REACHED = 'the handler was reached';
const calls: Call[] = [];
const handlers = Object.fromEntries(
  channels().map((channel) => [
    channel,
    async (...args: unknown[]) => {
      calls.push({ channel, args });
      throw new PublicError('not-found', REACHED);
    },
  ]),
) as unknown as Handlers;

const specs = listInvokes().map(({ spec }) => spec);
const specOf = (channel: string): InvokeSpec => {
  const s = specs.find((x) => x.channel === channel);
  if (!s) throw new Error(`no spec for ${channel}`);
  return s;
};

type Outcome =
  | { readonly kind: 'refused'; readonly message: string }
  | { readonly kind: 'reached'; readonly calls: readonly Call[] };

/** Runs one request; anything but a refusal or the handler's own sentinel fails the test. */
async function dispatch(channel: unknown, args: readonly unknown[]): Promise<Outcome> {
  calls.length = 0;
  let error: unknown = null;
  try {
    await dispatchInvoke(handlers, channel, args);
  } catch (e) {
    error = e;
  }
  expect(error, 'dispatchInvoke only ever rejects with a PublicError').toBeInstanceOf(PublicError);
  const e = error as PublicError;
  if (e.message === REACHED) return { kind: 'reached', calls: [...calls] };
  expect(e.code).toBe(isChannel(channel) ? 'invalid-arguments' : 'unknown-channel');
  expect(calls, 'no handler runs for a refused request').toEqual([]);
  return { kind: 'refused', message: e.message };
}

// ── arbitraries from the contract's schemas ──

interface SchemaNode {
  readonly type: string;
  readonly kind?: string;
  readonly pipe?: readonly SchemaNode[];
  readonly entries?: Readonly<Record<string, SchemaNode>>;
  readonly items?: readonly SchemaNode[];
  readonly item?: SchemaNode;
  readonly options?: readonly unknown[];
  readonly wrapped?: SchemaNode;
  readonly literal?: unknown;
  readonly requirement?: unknown;
}
const node = (s: unknown): SchemaNode => s as SchemaNode;

const label = fc.stringMatching(/^[a-z0-9](?:[a-z0-9-]{0,8}[a-z0-9])?$/);
const dnsName = fc
  .tuple(fc.array(label, { minLength: 1, maxLength: 4 }), fc.boolean())
  .map(([ls, dot]) => `${ls.join('.')}${dot ? '.' : ''}`);
const hostName = fc.oneof(
  dnsName,
  fc.constantFrom('bücher.example', 'mail.example.org'),
  fc.ipV4(),
  fc.ipV6().map((a) => `[${a}]`),
);
const address = fc
  .tuple(fc.stringMatching(/^[a-z0-9._+-]{1,20}$/), dnsName)
  .map(([local, domain]) => `${local}@${domain}`);

/** Schemas a generic walk cannot satisfy (custom checks, Unicode classes): written by hand. */
const BY_HAND = new Map<unknown, fc.Arbitrary<unknown>>([
  [accounts.HostName, hostName],
  [accounts.Address, address],
  [checks.QuickHost, fc.oneof(dnsName, fc.ipV4(), fc.ipV6())],
]);

function stringFrom(pipe: readonly SchemaNode[]): fc.Arbitrary<string> {
  let min = 0;
  let max = Infinity;
  let regex: RegExp | null = null;
  let iso = false;
  for (const a of pipe) {
    if (a.type === 'min_length') min = a.requirement as number;
    else if (a.type === 'max_length') max = a.requirement as number;
    else if (a.type === 'regex') regex = a.requirement as RegExp;
    else if (a.type === 'iso_timestamp') iso = true;
    else if (a.type !== 'string' && a.type !== 'trim')
      throw new Error(`no generator for the string action ${a.type}: add one to BY_HAND`);
  }
  if (iso) {
    const [min, max] = [new Date('1970-01-01T00:00:00Z'), new Date('9999-12-31T23:59:59Z')];
    return fc.date({ noInvalidDate: true, min, max }).map((d) => d.toISOString());
  }
  const base = regex
    ? fc.stringMatching(regex)
    : fc.string({ unit: 'grapheme', minLength: min, maxLength: Math.min(max, 40) });
  return base.filter((s) => s.trim().length >= min && s.length <= max && s.trim() === s);
}

function numberFrom(pipe: readonly SchemaNode[]): fc.Arbitrary<number> {
  let min = -1e6;
  let max = 1e6;
  for (const a of pipe) {
    if (a.type === 'min_value') min = a.requirement as number;
    else if (a.type === 'max_value') max = a.requirement as number;
    else if (a.type !== 'number' && a.type !== 'integer')
      throw new Error(`no generator for the number action ${a.type}`);
  }
  return fc.integer({ min, max });
}

/** Valid values of a schema (checked against it by the property that uses them). */
function valid(schema: unknown): fc.Arbitrary<unknown> {
  const byHand = BY_HAND.get(schema);
  if (byHand) return byHand;
  const s = node(schema);
  const pipe = s.pipe ?? [];
  switch (s.type) {
    case 'string':
      return stringFrom(pipe);
    case 'number':
      return numberFrom(pipe);
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'literal':
      return fc.constant(s.literal);
    case 'picklist':
      return fc.constantFrom(...(s.options ?? []));
    case 'nullable':
      return fc.option(valid(s.wrapped), { nil: null });
    case 'optional':
      return valid(s.wrapped);
    case 'union':
    case 'variant':
      return fc.oneof(...(s.options ?? []).map(valid));
    case 'tuple':
      return fc.tuple(...(s.items ?? []).map(valid));
    case 'array': {
      const max = pipe.find((a) => a.type === 'max_length')?.requirement as number | undefined;
      return fc.array(valid(s.item), { maxLength: Math.min(max ?? 3, 3) });
    }
    case 'strict_object': {
      const entries = Object.entries(s.entries ?? {});
      return fc.record(Object.fromEntries(entries.map(([k, e]) => [k, valid(e)])), {
        requiredKeys: entries.filter(([, e]) => e.type !== 'optional').map(([k]) => k),
      });
    }
    default:
      throw new Error(`no generator for schema type ${s.type}`);
  }
}

/** Every object schema reachable from `schema`, with where it is. */
function objectSchemas(schema: unknown, at: string): { at: string; type: string }[] {
  const s = node(schema);
  const kids: [string, unknown][] = [
    ...Object.entries(s.entries ?? {}).map(([k, e]): [string, unknown] => [`${at}.${k}`, e]),
    ...(s.items ?? []).map((e, i): [string, unknown] => [`${at}[${i}]`, e]),
    ...(s.item ? [[`${at}[]`, s.item] as [string, unknown]] : []),
    ...(s.wrapped ? [[at, s.wrapped] as [string, unknown]] : []),
    ...(s.type === 'union' || s.type === 'variant'
      ? (s.options ?? []).map((o): [string, unknown] => [at, o])
      : []),
  ];
  const here = s.type.endsWith('object') ? [{ at, type: s.type }] : [];
  return [...here, ...kids.flatMap(([p, k]) => objectSchemas(k, p))];
}

/** A channel (of those given) and valid arguments for it. */
const validRequest = (among: readonly InvokeSpec[] = specs) =>
  fc
    .constantFrom(...among)
    .chain((spec) =>
      valid(spec.args).map((args) => ({ channel: spec.channel, args: args as unknown[] })),
    );

// ── values that no schema of the contract accepts anywhere ──

function deepNest(depth: number, asObject: boolean): unknown {
  let x: unknown = 'x';
  for (let i = 0; i < depth; i++) x = asObject ? { a: x } : [x];
  return x;
}
const neverValid = fc.oneof(
  // Longer than any string of the contract (a password: 8,192 characters).
  fc
    .tuple(fc.integer({ min: 8193, max: 20_000 }), fc.string({ minLength: 1, maxLength: 1 }))
    .map(([n, c]) => c.repeat(n)),
  fc.integer({ min: 2, max: 5000 }).map((d) => deepNest(d, false)),
  fc.integer({ min: 1, max: 5000 }).map((d) => [deepNest(d, true)]),
  fc.constantFrom(Number.NaN, [[1]], [['a']]),
);

type Path = readonly (string | number)[];
/** Every position of a value inside the argument list (primitives and containers alike). */
function positions(x: unknown, at: Path = []): Path[] {
  const here = at.length > 0 ? [at] : [];
  if (Array.isArray(x)) return [...here, ...x.flatMap((e, i) => positions(e, [...at, i]))];
  if (x !== null && typeof x === 'object')
    return [...here, ...Object.entries(x).flatMap(([k, e]) => positions(e, [...at, k]))];
  return here;
}
function replaceAt(x: unknown, path: Path, value: unknown): unknown {
  if (path.length === 0) return value;
  const [head, ...rest] = path;
  if (Array.isArray(x)) return x.map((e, i) => (i === head ? replaceAt(e, rest, value) : e));
  const o = x as Record<string, unknown>;
  return Object.fromEntries(
    Object.entries(o).map(([k, e]) => [k, k === head ? replaceAt(e, rest, value) : e]),
  );
}
/** A copy of `x` whose object at `path` has one more own, enumerable key. */
function withKeyAt(x: unknown, path: Path, key: string, value: unknown): unknown {
  const target = path.reduce<unknown>((o, k) => (o as Record<string | number, unknown>)[k], x);
  const copy = { ...(target as object) };
  Object.defineProperty(copy, key, { value, enumerable: true, writable: true, configurable: true });
  return path.length === 0 ? copy : replaceAt(x, path, copy);
}
/** Every key any input object of the contract knows: an added key must be none of them. */
function entryKeys(schema: unknown): string[] {
  const s = node(schema);
  return [
    ...Object.keys(s.entries ?? {}),
    ...[...Object.values(s.entries ?? {}), ...(s.items ?? []), s.item, s.wrapped]
      .filter((k) => k !== undefined)
      .flatMap(entryKeys),
    ...(s.type === 'union' || s.type === 'variant' ? (s.options ?? []).flatMap(entryKeys) : []),
  ];
}
const KNOWN_KEYS = new Set(specs.flatMap((spec) => entryKeys(spec.args)));
const pollutingKey = fc
  .oneof(
    fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'then'),
    fc.string({ minLength: 1, maxLength: 12 }),
  )
  .filter((k) => !KNOWN_KEYS.has(k));
const isPlainObject = (x: unknown): boolean =>
  x !== null && typeof x === 'object' && !Array.isArray(x);

const prototypeKeys = Object.getOwnPropertyNames(Object.prototype).sort();
afterAll(() => {
  // Nothing any request carried ever reached Object.prototype.
  expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(prototypeKeys);
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
});

describe('the contract’s inputs', () => {
  it('every object a request may carry is strict', () => {
    for (const spec of specs) {
      for (const o of objectSchemas(spec.args, spec.channel)) {
        expect(o.type, `${o.at} must refuse unknown keys`).toBe('strict_object');
      }
    }
  });
});

describe('dispatchInvoke', () => {
  it('valid arguments reach the handler once, as the schema’s output', async () => {
    await fc.assert(
      fc.asyncProperty(validRequest(), async ({ channel, args }) => {
        const parsed = v.safeParse(specOf(channel).args, args);
        expect(parsed.success, `the generator made invalid input for ${channel}`).toBe(true);
        const outcome = await dispatch(channel, args);
        expect(outcome).toEqual({ kind: 'reached', calls: [{ channel, args: parsed.output }] });
      }),
      propertyRuns(300),
    );
  });

  it('the wrong number of arguments is refused', async () => {
    await fc.assert(
      fc.asyncProperty(validRequest(), fc.boolean(), fc.jsonValue(), async (r, drop, extra) => {
        if (drop && r.args.length === 0) return;
        const args = drop ? r.args.slice(0, -1) : [...r.args, extra];
        expect(await dispatch(r.channel, args)).toMatchObject({ kind: 'refused' });
      }),
      propertyRuns(200),
    );
  });

  it('a huge string, a deep nest or a wrong type in place of any value is refused', async () => {
    await fc.assert(
      fc.asyncProperty(validRequest(), fc.nat(), neverValid, async (r, pick, bad) => {
        const at = positions(r.args);
        fc.pre(at.length > 0);
        const args = replaceAt(r.args, at[pick % at.length] ?? [], bad) as unknown[];
        expect(await dispatch(r.channel, args)).toMatchObject({ kind: 'refused' });
      }),
      propertyRuns(200),
    );
  });

  it('an extra key on any object ("__proto__", "constructor", …) is refused', async () => {
    await fc.assert(
      fc.asyncProperty(
        validRequest(specs.filter((spec) => objectSchemas(spec.args, '').length > 0)),
        fc.nat(),
        pollutingKey,
        fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.constant({ polluted: true })),
        async (r, pick, key, value) => {
          const objects = positions(r.args).filter((p) =>
            isPlainObject(p.reduce<unknown>((o, k) => (o as Record<string, unknown>)[k], r.args)),
          );
          fc.pre(objects.length > 0);
          const path = objects[pick % objects.length] ?? [];
          const args = withKeyAt(r.args, path, key, value) as unknown[];
          expect(await dispatch(r.channel, args)).toMatchObject({ kind: 'refused' });
        },
      ),
      propertyRuns(200),
    );
  });

  it('arbitrary argument lists: refused, or valid input for the handler; nothing else', async () => {
    const anyArgs = fc.oneof(
      fc.array(fc.anything({ withNullPrototype: true, withMap: true, withSet: true, withDate: true, withTypedArray: true, withSparseArray: true, withBigInt: true }), { maxLength: 5 }), // prettier-ignore
      fc.array(fc.jsonValue(), { maxLength: 5 }),
      // Valid requests with one value swapped for anything at all.
      fc.tuple(validRequest(), fc.nat(), fc.anything()).map(([r, pick, x]) => {
        const at = positions(r.args);
        return at.length === 0
          ? [x]
          : (replaceAt(r.args, at[pick % at.length] ?? [], x) as unknown[]);
      }),
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...channels()), anyArgs, async (channel, args) => {
        const outcome = await dispatch(channel, args);
        if (outcome.kind === 'reached') {
          const spec = specOf(channel);
          expect(args).toHaveLength(spec.args.items.length);
          expect(outcome.calls).toHaveLength(1);
          const got = outcome.calls[0]?.args ?? [];
          expect(v.safeParse(spec.args, got).success, 'the handler got valid input').toBe(true);
          expect(got).toEqual(v.parse(spec.args, args));
        }
      }),
      propertyRuns(500),
    );
  });

  it('an unknown channel is refused as such, whatever the arguments', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.string({ maxLength: 30 }),
          fc.constantFrom(
            '__proto__',
            'constructor',
            'toString',
            'event:progress',
            'app:get-info ',
          ),
          fc.anything(),
        ),
        fc.array(fc.jsonValue(), { maxLength: 3 }),
        async (channel, args) => {
          fc.pre(!isChannel(channel));
          expect(await dispatch(channel, args)).toMatchObject({
            kind: 'refused',
            message: 'Unknown request.',
          });
        },
      ),
      propertyRuns(300),
    );
  });
});
