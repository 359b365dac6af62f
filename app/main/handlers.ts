/**
 * The IPC handlers, one per contract channel, built from their dependencies so that
 * app/main (core in a utility process) and the end-to-end harness (core in-process) share them.
 * Arguments arrive already validated by `dispatchInvoke`.
 */
import type { AppInfo, ProgressEvent, SelfCheckReport, SelfCheckRequest } from '../contract';
import { mailDomainOf } from '../core/domain/name';
import type { CoreMethod } from './core-methods';
import { PublicError } from './errors';
import type { Handlers, ResultOf } from './ipc';
import type { InboxItem } from './open-report';

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
  /**
   * An account operation (core-service.ts), with arguments main already checked. Resolves with
   * its value (main checks it against the contract) or rejects with its PublicError.
   */
  call(method: CoreMethod, args: readonly unknown[], run?: RunOptions): Promise<unknown>;
  /** Stops everything (app quit); pending runs reject. */
  dispose(): Promise<void>;
}

/** What core's export gives: a file name to suggest and the content. */
interface ExportFile {
  readonly fileName: string;
  readonly content: string;
}

/** For a run (a check): its id, for cancel; its progress events. */
export interface RunOptions {
  readonly runId: string;
  readonly onProgress: (event: ProgressEvent) => void;
}

/** Main → renderer notifications; main sends them to the window, the harness to the page. */
export interface EventSink {
  progress(event: ProgressEvent): void;
  /** Report files wait in the inbox (the window then calls reports:open-next). */
  reportsWaiting?(count: number): void;
}

/** Report files the system handed over (open-report.ts's ReportInbox). */
export interface Inbox {
  next(): Promise<InboxItem | null>;
}

/**
 * The native dialogs the handlers need, injectable: Electron's in the app, scripted ones in the
 * end-to-end harness.
 */
export interface Dialogs {
  /** Asks where to save `content`, saves it there, and returns the path; null when cancelled. */
  save(defaultName: string, content: string): Promise<string | null>;
  /** Asks for a certificate file and returns its name and text (bounded); null when cancelled. */
  openCertificate(): Promise<{ readonly name: string; readonly text: string } | null>;
}

export interface HandlerDeps {
  readonly core: CoreClient;
  readonly appInfo: () => AppInfo;
  readonly events: EventSink;
  readonly dialogs: Dialogs;
  /** Report files waiting to be opened; none when absent. */
  readonly reports?: Inbox;
}

export function createHandlers(deps: HandlerDeps): Handlers {
  // The value is checked against the channel's result schema in dispatchInvoke.
  const call =
    <C extends keyof Handlers>(method: CoreMethod) =>
    async (...args: readonly unknown[]): Promise<ResultOf<C>> =>
      (await deps.core.call(method, args)) as ResultOf<C>;
  return {
    'accounts:list': call<'accounts:list'>('accounts.list'),
    'accounts:add': call<'accounts:add'>('accounts.add'),
    'accounts:update': call<'accounts:update'>('accounts.update'),
    'accounts:remove': call<'accounts:remove'>('accounts.remove'),
    'accounts:start-empty': call<'accounts:start-empty'>('accounts.startEmpty'),
    'accounts:find-imports': call<'accounts:find-imports'>('accounts.findImports'),
    'accounts:read-import': call<'accounts:read-import'>('accounts.readImport'),
    'accounts:discover': call<'accounts:discover'>('accounts.discover'),
    'accounts:set-password': call<'accounts:set-password'>('accounts.setPassword'),
    'accounts:clear-password': call<'accounts:clear-password'>('accounts.clearPassword'),
    'accounts:login-check': call<'accounts:login-check'>('accounts.loginCheck'),
    'checks:run-account': async (runId, accountId) =>
      (await deps.core.call('checks.runAccount', [runId, accountId], {
        runId,
        onProgress: (e) => deps.events.progress(e),
      })) as ResultOf<'checks:run-account'>,
    'checks:run-quick': async (runId, host) =>
      (await deps.core.call('checks.runQuick', [runId, host], {
        runId,
        onProgress: (e) => deps.events.progress(e),
      })) as ResultOf<'checks:run-quick'>,
    'domain:check': async (runId, request) => {
      // The contract checked the shape; this is the domain check's own rule for the name.
      const domain = mailDomainOf(request.domain);
      if (domain === null) {
        throw new PublicError(
          'invalid-arguments',
          'Invalid arguments for domain:check: that is not a domain name (example.org) or a mail address (me@example.org).',
        );
      }
      return (await deps.core.call('domain.check', [runId, domain], {
        runId,
        onProgress: (e) => deps.events.progress(e),
      })) as ResultOf<'domain:check'>;
    },
    'checks:cancel': async (runId) => {
      deps.core.cancel(runId);
      return null;
    },
    'checks:history': call<'checks:history'>('checks.history'),
    'checks:latest': call<'checks:latest'>('checks.latest'),
    'checks:markdown': async (runId) => {
      const file = (await deps.core.call('checks.export', [runId, 'markdown'])) as ExportFile;
      return file.content;
    },
    'checks:save': async (runId, format) => {
      const file = (await deps.core.call('checks.export', [runId, format])) as ExportFile;
      return { savedTo: await deps.dialogs.save(file.fileName, file.content) };
    },
    'checks:compare-fingerprint': call<'checks:compare-fingerprint'>('checks.compareFingerprint'),
    'checks:decode-warning': call<'checks:decode-warning'>('checks.decodeWarning'),
    'reports:open-next': async (runId: string) => {
      const item = await deps.reports?.next();
      if (!item) return null;
      if ('problem' in item) {
        throw new PublicError('invalid-arguments', `${item.fileName}: ${item.problem}`);
      }
      return (await deps.core.call('checks.openReport', [
        runId,
        item.fileName,
        item.text,
      ])) as ResultOf<'reports:open-next'>;
    },
    'settings:get': call<'settings:get'>('settings.get'),
    'settings:set-timeout': call<'settings:set-timeout'>('settings.setTimeout'),
    'settings:add-root': async () => {
      const file = await deps.dialogs.openCertificate();
      if (file === null) return null;
      await deps.core.call('settings.addRoot', [file.name, file.text]);
      return file.name;
    },
    'settings:remove-root': call<'settings:remove-root'>('settings.removeRoot'),
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
