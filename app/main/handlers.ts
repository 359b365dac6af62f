/**
 * The IPC handlers, one per contract channel, built from their dependencies so that
 * app/main (core in a utility process) and the end-to-end harness (core in-process) share them.
 * Arguments arrive already validated by `dispatchInvoke`.
 */
import type { AppInfo, ProgressEvent, SelfCheckReport, SelfCheckRequest } from '../contract';
import type { Handlers } from './ipc';

/** Where core runs. Both implementations reject with PublicError when a run cannot finish. */
export interface CoreClient {
  readonly host: AppInfo['coreHost'];
  /** Runs the self-check; progress events arrive through `onProgress` until the promise settles. */
  selfCheck(
    request: SelfCheckRequest,
    onProgress: (event: ProgressEvent) => void,
  ): Promise<SelfCheckReport>;
  /**
   * Stops a run as soon as possible; its promise then rejects with a `cancelled` PublicError
   * (in-process, a run already in its last step may still finish). Unknown run ids are ignored.
   */
  cancel(runId: string): void;
  /** Stops everything (app quit); pending runs reject. */
  dispose(): Promise<void>;
}

/** Main → renderer notifications; main sends them to the window, the harness to the page. */
export interface EventSink {
  progress(event: ProgressEvent): void;
}

export interface HandlerDeps {
  readonly core: CoreClient;
  readonly appInfo: () => AppInfo;
  readonly events: EventSink;
}

export function createHandlers(deps: HandlerDeps): Handlers {
  return {
    'app:get-info': async () => deps.appInfo(),
    'app:self-check': async (request) => {
      const report = await deps.core.selfCheck(request, (event) => deps.events.progress(event));
      return {
        ...report,
        items: report.items.map((item) => ({ ...item, facts: { ...item.facts } })),
      };
    },
  };
}
