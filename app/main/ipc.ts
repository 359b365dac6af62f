/**
 * The one door into main: every renderer request passes `dispatchInvoke`, which checks the
 * channel against the contract and the arguments against the channel's schema before the
 * handler runs, and checks the handler's result against the contract before it leaves.
 *
 * No electron here: app/main/register-ipc.ts calls this from ipcMain.handle, and the
 * end-to-end harness calls the very same function from page.exposeBinding.
 */
import * as v from 'valibot';
import { listInvokes, type InvokeSpec, type invokes } from '../contract';
import { PublicError } from './errors';

type Groups = typeof invokes;
type AnySpec = { [G in keyof Groups]: Groups[G][keyof Groups[G]] }[keyof Groups];

/** Every request channel of the contract, e.g. 'app:get-info'. */
export type Channel = AnySpec['channel'];
type SpecOf<C extends Channel> = Extract<AnySpec, { channel: C }>;

export type ArgsOf<C extends Channel> = v.InferOutput<SpecOf<C>['args']>;
export type ResultOf<C extends Channel> = v.InferOutput<SpecOf<C>['result']>;

/** One function per channel, called with validated arguments. */
export type Handlers = { readonly [C in Channel]: (...args: ArgsOf<C>) => Promise<ResultOf<C>> };

const specsByChannel: ReadonlyMap<string, InvokeSpec> = new Map(
  listInvokes().map(({ spec }) => [spec.channel, spec]),
);

/** The channels main must register; the same list the preload derives its API from. */
export function channels(): readonly Channel[] {
  return [...specsByChannel.keys()] as Channel[];
}

export function isChannel(value: unknown): value is Channel {
  return typeof value === 'string' && specsByChannel.has(value);
}

const MAX_MESSAGE = 300;

function describeIssues(issues: readonly v.BaseIssue<unknown>[]): string {
  const text = issues
    .slice(0, 3)
    .map((issue) => {
      const path = v.getDotPath(issue);
      return path ? `${path}: ${issue.message}` : issue.message;
    })
    .join('; ');
  return text.length > MAX_MESSAGE ? `${text.slice(0, MAX_MESSAGE)}…` : text;
}

/**
 * Validates and runs one request. Rejects with a PublicError: `unknown-channel`,
 * `invalid-arguments`, `internal` (the handler failed unexpectedly or broke the contract),
 * or whatever PublicError the handler threw itself (e.g. `core-unavailable`).
 */
export async function dispatchInvoke(
  handlers: Handlers,
  channel: unknown,
  rawArgs: readonly unknown[],
): Promise<unknown> {
  if (!isChannel(channel)) {
    throw new PublicError('unknown-channel', 'Unknown request.');
  }
  const spec = specsByChannel.get(channel) as InvokeSpec;
  if (!Array.isArray(rawArgs)) {
    throw new PublicError('invalid-arguments', `Invalid arguments for ${channel}.`);
  }
  // valibot's tuple() drops extra items silently; a request with more arguments is malformed.
  if (rawArgs.length !== spec.args.items.length) {
    throw new PublicError(
      'invalid-arguments',
      `Invalid arguments for ${channel}: expected ${spec.args.items.length}, got ${rawArgs.length}.`,
    );
  }
  const args = v.safeParse(spec.args, rawArgs);
  if (!args.success) {
    throw new PublicError(
      'invalid-arguments',
      `Invalid arguments for ${channel}: ${describeIssues(args.issues)}`,
    );
  }

  const handler = handlers[channel] as (...a: unknown[]) => Promise<unknown>;
  let result: unknown;
  try {
    result = await handler(...(args.output as unknown[]));
  } catch (err) {
    if (err instanceof PublicError) throw err;
    throw new PublicError('internal', `${channel} failed unexpectedly.`, { cause: err });
  }

  const checked = v.safeParse(spec.result, result);
  if (!checked.success) {
    throw new PublicError('internal', `${channel} returned a malformed result.`, {
      cause: new Error(describeIssues(checked.issues)),
    });
  }
  return checked.output;
}
