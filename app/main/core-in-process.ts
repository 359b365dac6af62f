/**
 * Core in the calling process: used by the CLI's neighbours and the end-to-end harness,
 * where there is no Electron utility process. Cancel aborts between steps.
 */
import { runSelfCheck } from '../core/selfcheck';
import { callService } from './core-server';
import { createCoreService, type CoreServiceDeps } from './core-service';
import { PublicError } from './errors';
import type { CoreClient } from './handlers';

export interface InProcessCoreOptions extends CoreServiceDeps {
  readonly now?: () => number;
}

export function createInProcessCore(options: InProcessCoreOptions): CoreClient {
  const running = new Map<string, AbortController>();
  const service = createCoreService(options);
  return {
    host: 'in-process',
    async call(method, args, run) {
      if (!run) return callService(service, method, args);
      if (running.has(run.runId)) {
        throw new PublicError('invalid-arguments', `Run ${run.runId} is already running.`);
      }
      const controller = new AbortController();
      running.set(run.runId, controller);
      try {
        return await callService(service, method, args, {
          runId: run.runId,
          signal: controller.signal,
          onProgress: (step, state, scope) =>
            run.onProgress({ runId: run.runId, step, state, at: Date.now(), scope }),
        });
      } catch (err) {
        if (controller.signal.aborted) {
          throw new PublicError('cancelled', `Run ${run.runId} was cancelled.`);
        }
        throw err;
      } finally {
        running.delete(run.runId);
      }
    },
    async selfCheck(request, onProgress) {
      if (running.has(request.runId)) {
        throw new PublicError('invalid-arguments', `Run ${request.runId} is already running.`);
      }
      const controller = new AbortController();
      running.set(request.runId, controller);
      try {
        const report = await runSelfCheck({
          runId: request.runId,
          credentialStore: options.credentialStore,
          onProgress,
          signal: controller.signal,
          ...(options.now ? { now: options.now } : {}),
        });
        return { ...report, items: [...report.items] };
      } catch (err) {
        if (controller.signal.aborted)
          throw new PublicError('cancelled', `Run ${request.runId} was cancelled.`);
        throw err;
      } finally {
        running.delete(request.runId);
      }
    },
    cancel(runId) {
      running.get(runId)?.abort();
    },
    async dispose() {
      for (const controller of running.values()) controller.abort();
    },
  };
}
