/**
 * One check at a time per run id: starts it, follows its progress step by step per part
 * (incoming, outgoing, chat; or each port of a quick check), lets it be cancelled, and keeps
 * the result. Results are kept by run id so the result screen can show an older one.
 */
import type { checks as C, ProgressEvent, SealcheckApi } from '../../../app/contract';
import { SvelteMap } from 'svelte/reactivity';
import { messageOf } from './app-info.svelte';
import { words } from './words';

export type CheckApi = {
  readonly checks: Pick<SealcheckApi['checks'], 'runAccount' | 'runQuick' | 'cancel'>;
  readonly reports: Pick<SealcheckApi['reports'], 'openNext'>;
  readonly on: Pick<SealcheckApi['on'], 'progress'>;
};

/** Report files opened at most per call (main keeps no more waiting either). */
const MAX_REPORTS_AT_ONCE = 16;

export interface StepState {
  readonly step: string;
  readonly state: ProgressEvent['state'];
}

export interface ScopeProgress {
  readonly scope: string;
  readonly steps: readonly StepState[];
}

export type RunPhase = 'running' | 'finished' | 'failed' | 'cancelled';

/** One run and its progress; its result is a check's view, or another view (a domain's). */
export class CheckRun<V = C.CheckView> {
  readonly runId: string;
  readonly title: string;
  #phase = $state<RunPhase>('running');
  #scopes = $state<ScopeProgress[]>([]);
  #view = $state<V | null>(null);
  #error = $state<string | null>(null);

  constructor(runId: string, title: string) {
    this.runId = runId;
    this.title = title;
  }

  get phase(): RunPhase {
    return this.#phase;
  }
  get scopes(): readonly ScopeProgress[] {
    return this.#scopes;
  }
  get view(): V | null {
    return this.#view;
  }
  get error(): string | null {
    return this.#error;
  }

  /** Records one progress event (the order steps first appear is kept). */
  record(event: ProgressEvent): void {
    const scope = event.scope ?? '';
    const i = this.#scopes.findIndex((s) => s.scope === scope);
    const current = i >= 0 ? (this.#scopes[i] as ScopeProgress) : { scope, steps: [] };
    const j = current.steps.findIndex((s) => s.step === event.step);
    const steps = [...current.steps];
    if (j >= 0) steps[j] = { step: event.step, state: event.state };
    else steps.push({ step: event.step, state: event.state });
    const next = { scope, steps };
    if (i >= 0) this.#scopes[i] = next;
    else this.#scopes.push(next);
  }

  finish(view: V): void {
    this.#view = view;
    this.#phase = 'finished';
  }

  fail(err: unknown, cancelled: boolean): void {
    this.#error = messageOf(err);
    this.#phase = cancelled ? 'cancelled' : 'failed';
  }
}

export class Checks {
  readonly #api: CheckApi;
  readonly #newRunId: () => string;
  readonly #runs = new SvelteMap<string, CheckRun>();
  #latest = $state<CheckRun | null>(null);

  constructor(api: CheckApi, newRunId: () => string = () => crypto.randomUUID()) {
    this.#api = api;
    this.#newRunId = newRunId;
  }

  run(runId: string): CheckRun | null {
    return this.#runs.get(runId) ?? null;
  }

  get latest(): CheckRun | null {
    return this.#latest;
  }

  checkAccount(accountId: string, title: string): CheckRun {
    return this.#start(title, (runId) => this.#api.checks.runAccount(runId, accountId));
  }

  checkHost(host: string): CheckRun {
    return this.#start(host, (runId) => this.#api.checks.runQuick(runId, host));
  }

  /**
   * Opens the report files the system handed to Sealcheck, one run each (a file that is not a
   * report becomes a failed run that says why). Returns the first run's id, or null if none.
   */
  async openWaitingReports(): Promise<string | null> {
    let first: string | null = null;
    for (let i = 0; i < MAX_REPORTS_AT_ONCE; i++) {
      const runId = this.#newRunId();
      let view: C.CheckView | null = null;
      let failure: unknown = null;
      try {
        view = await this.#api.reports.openNext(runId);
      } catch (err) {
        failure = err;
      }
      if (view === null && failure === null) break;
      const opened = view;
      const run = startRun(
        this.#api.on,
        runId,
        opened?.title ?? words.result.savedReportTitle,
        () => (opened ? Promise.resolve(opened) : Promise.reject(failure)),
      );
      this.#runs.set(runId, run);
      this.#latest = run;
      first ??= runId;
    }
    return first;
  }

  async cancel(runId: string): Promise<void> {
    const run = this.#runs.get(runId);
    if (!run || run.phase !== 'running') return;
    await this.#api.checks.cancel(runId);
  }

  #start(title: string, go: (runId: string) => Promise<C.CheckView>): CheckRun {
    const run = startRun(this.#api.on, this.#newRunId(), title, go);
    this.#runs.set(run.runId, run);
    this.#latest = run;
    return run;
  }
}

/**
 * Starts one run: follows its progress events until it settles, then keeps its view or why
 * it did not finish (cancelled or failed).
 */
export function startRun<V>(
  on: Pick<SealcheckApi['on'], 'progress'>,
  runId: string,
  title: string,
  go: (runId: string) => Promise<V>,
): CheckRun<V> {
  const run = new CheckRun<V>(runId, title);
  const unsubscribe = on.progress((event) => {
    if (event.runId === runId) run.record(event);
  });
  void go(runId)
    .then(
      (view) => run.finish(view),
      (err: unknown) => {
        const code = (err as { code?: unknown } | null)?.code;
        run.fail(err, code === 'cancelled' || /cancelled/i.test(messageOf(err)));
      },
    )
    .finally(() => unsubscribe());
  return run;
}
