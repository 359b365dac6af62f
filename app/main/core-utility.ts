/**
 * Core in an Electron utility process (see design.md): a crash in a parser spares the
 * window, long checks never stall it, and cancel can kill hard.
 *
 * The process is started on first use and again after it stopped. Requests posted before
 * the process reports `ready` wait in a queue. When it exits, every run it carried rejects
 * with a clear `core-unavailable` error; cancelling a run kills the process at once (other
 * runs on it reject too) and the next request starts a fresh one.
 *
 * Electron stays out of this file: `fork` is `() => utilityProcess.fork(workerPath, …)` in
 * the app and a Node child process in tests.
 */
import * as v from 'valibot';
import type { ProgressEvent, SelfCheckReport } from '../contract';
import { FromCore, type ToCore } from './core-protocol';
import { PublicError } from './errors';
import type { CoreClient } from './handlers';

/** The subset of Electron's UtilityProcess used here. */
export interface UtilityProcessLike {
  postMessage(message: unknown): void;
  on(event: 'message', listener: (message: unknown) => void): unknown;
  on(event: 'exit', listener: (code: number) => void): unknown;
  kill(): boolean;
}

export interface UtilityProcessCoreOptions {
  readonly fork: () => UtilityProcessLike;
  readonly log?: (message: string) => void;
}

interface Child {
  readonly proc: UtilityProcessLike;
  ready: boolean;
  readonly queue: ToCore[];
}

interface Pending {
  /** The run a self-check belongs to; null for an account operation (never cancelled by id). */
  readonly runId: string | null;
  readonly child: Child;
  readonly onProgress: (event: ProgressEvent) => void;
  readonly resolve: (value: unknown) => void;
  readonly reject: (err: PublicError) => void;
}

export function createUtilityProcessCore(options: UtilityProcessCoreOptions): CoreClient {
  const log = options.log ?? ((message: string) => console.error(`core: ${message}`));
  const pending = new Map<number, Pending>();
  let current: Child | undefined;
  let nextId = 1;

  function settle(id: number): Pending | undefined {
    const entry = pending.get(id);
    pending.delete(id);
    return entry;
  }

  function rejectAllOn(child: Child, reasonFor: (entry: Pending) => PublicError): void {
    for (const [id, entry] of pending) {
      if (entry.child === child) {
        pending.delete(id);
        entry.reject(reasonFor(entry));
      }
    }
  }

  function start(): Child {
    const proc = options.fork();
    const child: Child = { proc, ready: false, queue: [] };
    proc.on('message', (raw) => {
      const parsed = v.safeParse(FromCore, raw);
      if (!parsed.success) {
        log('ignored a malformed message from the checking process');
        return;
      }
      const message = parsed.output;
      switch (message.kind) {
        case 'ready':
          child.ready = true;
          for (const queued of child.queue.splice(0)) proc.postMessage(queued);
          break;
        case 'progress': {
          const entry = pending.get(message.id);
          if (entry && entry.runId === message.event.runId) entry.onProgress(message.event);
          break;
        }
        case 'result':
          settle(message.id)?.resolve(message.report);
          break;
        case 'error':
          log(`a run failed in the checking process: ${message.message}`);
          settle(message.id)?.reject(
            new PublicError('internal', 'The check failed in the checking process.'),
          );
          break;
        case 'value':
          settle(message.id)?.resolve(message.value);
          break;
        case 'failure':
          settle(message.id)?.reject(new PublicError(message.code, message.message));
          break;
        default:
          message satisfies never;
      }
    });
    proc.on('exit', (code) => {
      if (current === child) current = undefined;
      rejectAllOn(
        child,
        () =>
          new PublicError(
            'core-unavailable',
            `The checking process stopped unexpectedly (exit code ${code}).`,
          ),
      );
    });
    return child;
  }

  function stop(child: Child): void {
    if (current === child) current = undefined;
    try {
      child.proc.kill();
    } catch (err) {
      log(`could not stop the checking process: ${String(err)}`);
    }
  }

  /** Posts one request (starting the process when needed); settles with its answer. */
  function send(
    make: (id: number) => ToCore,
    runId: string | null,
    onProgress: (event: ProgressEvent) => void,
  ): Promise<unknown> {
    return new Promise<unknown>((resolve, reject) => {
      const id = nextId++;
      const message = make(id);
      try {
        const child = (current ??= start());
        // Registered before posting, so even an immediate answer finds its request.
        pending.set(id, { runId, child, onProgress, resolve, reject });
        if (child.ready) child.proc.postMessage(message);
        else child.queue.push(message);
      } catch (err) {
        pending.delete(id);
        reject(
          new PublicError('core-unavailable', 'The checking process could not be started.', {
            cause: err,
          }),
        );
      }
    });
  }

  return {
    host: 'utility-process',
    async selfCheck(request, onProgress) {
      // The 'result' message carries a report checked against its schema on arrival.
      return (await send(
        (id) => ({ kind: 'self-check', id, request }),
        request.runId,
        onProgress,
      )) as SelfCheckReport;
    },
    call(method, args, run) {
      return send(
        (id) => ({
          kind: 'call',
          id,
          method,
          args: [...args],
          ...(run ? { runId: run.runId } : {}),
        }),
        run?.runId ?? null,
        run?.onProgress ?? (() => undefined),
      );
    },
    cancel(runId) {
      const entry = [...pending.values()].find((p) => p.runId === runId);
      if (!entry) return;
      const { child } = entry;
      rejectAllOn(child, (other) =>
        other.runId === runId
          ? new PublicError('cancelled', `Run ${runId} was cancelled.`)
          : new PublicError(
              'core-unavailable',
              `The checking process was restarted to cancel run ${runId}.`,
            ),
      );
      stop(child);
    },
    async dispose() {
      const child = current;
      if (!child) return;
      rejectAllOn(child, () => new PublicError('cancelled', 'The app is closing.'));
      stop(child);
    },
  };
}
