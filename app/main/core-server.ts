/**
 * The core side of the utility process: receives requests from main, runs core, posts
 * progress and results back. The port is Electron's `process.parentPort` in the app
 * (app/main/core-worker.ts) and a stand-in over Node's child-process IPC in tests.
 */
import * as v from 'valibot';
import { runSelfCheck } from '../core/selfcheck';
import type { CoreMethod } from './core-methods';
import { ToCore, type FromCore } from './core-protocol';
import type { RunContext } from './core-checks';
import { createCoreService, type CoreService, type CoreServiceDeps } from './core-service';
import { PublicError } from './errors';

/** The subset of Electron's ParentPort this file uses (typed here to keep electron out). */
export interface ParentPortLike {
  on(event: 'message', listener: (event: { data: unknown }) => void): unknown;
  postMessage(message: unknown): void;
}

export interface CoreServerDeps extends CoreServiceDeps {
  readonly now?: () => number;
}

/** Runs one service method; its errors are PublicErrors (the service translates them). A run also gets its context (cancel, progress) as the last argument. */
export async function callService(
  service: CoreService,
  method: CoreMethod,
  args: readonly unknown[],
  context?: RunContext,
): Promise<unknown> {
  const fn = service[method] as (...a: unknown[]) => Promise<unknown>;
  return context ? fn(...args, context) : fn(...args);
}

export function serveCore(port: ParentPortLike, deps: CoreServerDeps): void {
  const post = (message: FromCore): void => port.postMessage(message);
  const service = createCoreService(deps);

  port.on('message', ({ data }) => {
    const parsed = v.safeParse(ToCore, data);
    if (!parsed.success) {
      // Main only sends valid messages; anything else is a bug worth seeing in the log.
      console.error('core: ignored a malformed message from main');
      return;
    }
    const message = parsed.output;
    switch (message.kind) {
      case 'self-check': {
        const { id, request } = message;
        runSelfCheck({
          runId: request.runId,
          credentialStore: deps.credentialStore,
          onProgress: (event) => post({ kind: 'progress', id, event }),
          ...(deps.now ? { now: deps.now } : {}),
        }).then(
          (report) => post({ kind: 'result', id, report: { ...report, items: [...report.items] } }),
          (err: unknown) =>
            post({
              kind: 'error',
              id,
              message: String(err instanceof Error ? err.message : err).slice(0, 2000),
            }),
        );
        break;
      }
      case 'call': {
        const { id, method, args, runId } = message;
        // Cancel kills this process (core-utility.ts), so the signal only ends with it.
        const context: RunContext | undefined =
          runId === undefined
            ? undefined
            : {
                runId,
                signal: new AbortController().signal,
                onProgress: (step, state, scope) =>
                  post({
                    kind: 'progress',
                    id,
                    event: { runId, step, state, at: Date.now(), scope },
                  }),
              };
        callService(service, method, args, context).then(
          (value) => post({ kind: 'value', id, value: value ?? null }),
          (err: unknown) => {
            const e =
              err instanceof PublicError
                ? err
                : new PublicError('internal', 'The account operation failed unexpectedly.');
            if (!(err instanceof PublicError)) console.error(`core: ${method} failed`, err);
            post({ kind: 'failure', id, code: e.code, message: e.message.slice(0, 2000) });
          },
        );
        break;
      }
      default:
        message satisfies never;
    }
  });

  post({ kind: 'ready' });
}
