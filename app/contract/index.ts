/**
 * The IPC contract: one object from which main's handlers, the preload's `window.sealcheck`
 * and the end-to-end harness are all derived. It imports nothing from either side.
 *
 * - `invokes`: renderer → main requests, grouped by domain; `args` is a tuple schema
 *   checked in main before the handler runs, `result` describes the reply.
 * - `events`: main → renderer notifications (progress); the preload exposes one
 *   subscribe function per event that returns an unsubscribe function.
 */
import * as v from 'valibot';
import {
  AccountChanges,
  AccountId,
  AccountSummary,
  Account,
  Address,
  Discovery,
  EndpointRole,
  ImportRequest,
  ImportResult,
  ImportSources,
  LoginCheckResult,
  NewAccount,
  Password,
} from './accounts';
import {
  CheckView,
  ExportFormat,
  ExportResult,
  FingerprintResult,
  FingerprintText,
  HistoryOwner,
  HistoryRecord,
  LatestCheck,
  QuickHost,
  RootLabel,
  Settings,
  TimeoutSeconds,
  WarningResult,
  WarningText,
} from './checks';
import { DomainRequest, DomainView } from './domain';
import { AppInfo, ProgressEvent, RunId, SelfCheckReport, SelfCheckRequest } from './schemas';

export * from './schemas';
export * as accounts from './accounts';
export * as checks from './checks';
export * as domain from './domain';

interface InvokeSpec {
  readonly channel: string;
  readonly args: v.TupleSchema<v.TupleItems, undefined>;
  readonly result: v.GenericSchema;
}

interface EventSpec {
  readonly channel: string;
  readonly payload: v.GenericSchema;
}

export const invokes = {
  app: {
    getInfo: { channel: 'app:get-info', args: v.tuple([]), result: AppInfo },
    selfCheck: {
      channel: 'app:self-check',
      args: v.tuple([SelfCheckRequest]),
      result: SelfCheckReport,
    },
  },
  accounts: {
    list: { channel: 'accounts:list', args: v.tuple([]), result: v.array(AccountSummary) },
    add: { channel: 'accounts:add', args: v.tuple([NewAccount]), result: Account },
    update: {
      channel: 'accounts:update',
      args: v.tuple([AccountId, AccountChanges]),
      result: Account,
    },
    /** Also deletes the account's password from the keychain. */
    remove: { channel: 'accounts:remove', args: v.tuple([AccountId]), result: v.boolean() },
    /** After a damaged account file: start with an empty list (the damaged copy is kept). */
    startEmpty: { channel: 'accounts:start-empty', args: v.tuple([]), result: v.null() },
    findImports: { channel: 'accounts:find-imports', args: v.tuple([]), result: ImportSources },
    /** Reads an app's setup; the renderer shows it and adds the accounts the user picks. */
    readImport: {
      channel: 'accounts:read-import',
      args: v.tuple([ImportRequest]),
      result: ImportResult,
    },
    discover: { channel: 'accounts:discover', args: v.tuple([Address]), result: Discovery },
    /** Renderer → keychain only: no channel ever sends a password back. */
    setPassword: {
      channel: 'accounts:set-password',
      args: v.tuple([AccountId, Password]),
      result: v.null(),
    },
    clearPassword: {
      channel: 'accounts:clear-password',
      args: v.tuple([AccountId]),
      result: v.boolean(),
    },
    loginCheck: {
      channel: 'accounts:login-check',
      args: v.tuple([AccountId, EndpointRole]),
      result: LoginCheckResult,
    },
  },
  checks: {
    /** Checks an account as its app is set up; progress events carry the run id. */
    runAccount: {
      channel: 'checks:run-account',
      args: v.tuple([RunId, AccountId]),
      result: CheckView,
    },
    /** Every standard mail and chat port of one server name. */
    runQuick: { channel: 'checks:run-quick', args: v.tuple([RunId, QuickHost]), result: CheckView },
    cancel: { channel: 'checks:cancel', args: v.tuple([RunId]), result: v.null() },
    history: {
      channel: 'checks:history',
      args: v.tuple([
        HistoryOwner,
        v.picklist(['imap', 'pop3', 'submission', 'smtp', 'xmpp']),
        v.pipe(v.string(), v.maxLength(253)),
        v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(65535)),
      ]),
      result: v.array(HistoryRecord),
    },
    /** The newest check of every endpoint in the history, in one call (the overview). */
    latest: { channel: 'checks:latest', args: v.tuple([]), result: v.array(LatestCheck) },
    /** The help-desk summary, to copy. */
    markdown: { channel: 'checks:markdown', args: v.tuple([RunId]), result: v.string() },
    /** Saves a report where the user chooses (a save dialog). */
    save: {
      channel: 'checks:save',
      args: v.tuple([RunId, ExportFormat]),
      result: ExportResult,
    },
    compareFingerprint: {
      channel: 'checks:compare-fingerprint',
      args: v.tuple([
        RunId,
        v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(64)),
        FingerprintText,
      ]),
      result: FingerprintResult,
    },
    /** "Is this the warning you saw?": the app's message held against this endpoint's check. */
    decodeWarning: {
      channel: 'checks:decode-warning',
      args: v.tuple([
        RunId,
        v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(64)),
        WarningText,
      ]),
      result: WarningResult,
    },
  },
  domain: {
    /**
     * How mail sent to a domain (or to an address's domain) is protected between mail servers.
     * A run like a check: progress events carry the run id (scoped by mail server), and
     * checks.cancel stops it. Port 25 is often blocked on home networks: asked for, never
     * automatic.
     */
    check: { channel: 'domain:check', args: v.tuple([RunId, DomainRequest]), result: DomainView },
  },
  settings: {
    get: { channel: 'settings:get', args: v.tuple([]), result: Settings },
    setTimeout: {
      channel: 'settings:set-timeout',
      args: v.tuple([TimeoutSeconds]),
      result: v.null(),
    },
    /** Asks for a certificate file (an open dialog) and trusts it knowingly; null when cancelled. */
    addRoot: { channel: 'settings:add-root', args: v.tuple([]), result: v.nullable(v.string()) },
    removeRoot: { channel: 'settings:remove-root', args: v.tuple([RootLabel]), result: v.null() },
  },
  reports: {
    /**
     * Opens the next report file the system handed to Sealcheck (a double-clicked .sealcheck):
     * its facts judged again, as a check with this run id; null when none is waiting. A file
     * that is not a report is refused with one sentence.
     */
    openNext: {
      channel: 'reports:open-next',
      args: v.tuple([RunId]),
      result: v.nullable(CheckView),
    },
  },
} as const satisfies Record<string, Record<string, InvokeSpec>>;

export const events = {
  progress: { channel: 'event:progress', payload: ProgressEvent },
  /** Report files are waiting to be opened (reports.openNext). */
  reportsWaiting: {
    channel: 'event:reports-waiting',
    payload: v.strictObject({ count: v.pipe(v.number(), v.integer(), v.minValue(1)) }),
  },
} as const satisfies Record<string, EventSpec>;

type Invokes = typeof invokes;
type Events = typeof events;

export type InvokeArgs<S extends InvokeSpec> = v.InferInput<S['args']>;
export type InvokeResult<S extends InvokeSpec> = v.InferOutput<S['result']>;

/** The API the preload exposes as `window.sealcheck`. */
export type SealcheckApi = {
  readonly [G in keyof Invokes]: {
    readonly [M in keyof Invokes[G]]: Invokes[G][M] extends InvokeSpec
      ? (...args: InvokeArgs<Invokes[G][M]>) => Promise<InvokeResult<Invokes[G][M]>>
      : never;
  };
} & {
  readonly on: {
    readonly [E in keyof Events]: (
      listener: (payload: v.InferOutput<Events[E]['payload']>) => void,
    ) => () => void;
  };
};

/** Every invoke spec, flattened: useful to register handlers and to check coverage. */
export function listInvokes(): ReadonlyArray<{ group: string; method: string; spec: InvokeSpec }> {
  return Object.entries(invokes).flatMap(([group, methods]) =>
    Object.entries(methods).map(([method, spec]) => ({ group, method, spec: spec as InvokeSpec })),
  );
}

export type { InvokeSpec, EventSpec };
