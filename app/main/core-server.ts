/**
 * The core side of the utility process: receives requests from main, runs core, posts
 * progress and results back. The port is Electron's `process.parentPort` in the app
 * (app/main/core-worker.ts) and a stand-in over Node's child-process IPC in tests.
 */
import * as v from 'valibot';
import { runSelfCheck } from '../core/selfcheck';
import type { CredentialStore } from '../core/secrets/credential-store';
import { ToCore, type FromCore } from './core-protocol';

/** The subset of Electron's ParentPort this file uses (typed here to keep electron out). */
export interface ParentPortLike {
  on(event: 'message', listener: (event: { data: unknown }) => void): unknown;
  postMessage(message: unknown): void;
}

export interface CoreServerDeps {
  readonly credentialStore: CredentialStore;
  readonly now?: () => number;
}

export function serveCore(port: ParentPortLike, deps: CoreServerDeps): void {
  const post = (message: FromCore): void => port.postMessage(message);

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
      default:
        message.kind satisfies never;
    }
  });

  post({ kind: 'ready' });
}
