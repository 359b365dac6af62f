import type {
  ProgressEvent,
  SealcheckApi,
  SelfCheckItem,
  SelfCheckReport,
} from '../../../app/contract';
import { messageOf } from './app-info.svelte';

/** What SelfCheck needs from `window.sealcheck`. */
export type SelfCheckApi = {
  readonly app: Pick<SealcheckApi['app'], 'selfCheck'>;
  readonly on: Pick<SealcheckApi['on'], 'progress'>;
};

export type StepState = ProgressEvent['state'];

export interface StepProgress {
  readonly step: string;
  readonly state: StepState;
  /** When the step last changed, as sent by the app (ms since the epoch). */
  readonly at: number;
}

/** One line of the view: a step's live state, then its result once the report is in. */
export interface StepRow {
  readonly step: string;
  /** The last progress state seen; null when the step sent no progress. */
  readonly state: StepState | null;
  readonly result: SelfCheckItem | null;
}

export type RunPhase = 'idle' | 'running' | 'finished' | 'failed';

/**
 * One self-check run at a time: starts it, follows its progress events step by step
 * (in the order the steps first appear), and keeps the final report.
 */
export class SelfCheck {
  readonly #api: SelfCheckApi;
  readonly #newRunId: () => string;
  #phase = $state<RunPhase>('idle');
  #steps = $state<StepProgress[]>([]);
  #report = $state<SelfCheckReport | null>(null);
  #error = $state<string | null>(null);
  #runId: string | null = null;
  /** Steps in the order they started, followed by any step that only the report mentions. */
  #rows: StepRow[] = $derived.by(() => {
    const items = this.#report?.items ?? [];
    const rows: StepRow[] = this.#steps.map((s) => ({
      step: s.step,
      state: s.state,
      result: items.find((i) => i.step === s.step) ?? null,
    }));
    for (const item of items) {
      if (!rows.some((r) => r.step === item.step)) {
        rows.push({ step: item.step, state: null, result: item });
      }
    }
    return rows;
  });

  constructor(api: SelfCheckApi, newRunId: () => string = () => crypto.randomUUID()) {
    this.#api = api;
    this.#newRunId = newRunId;
  }

  get phase(): RunPhase {
    return this.#phase;
  }

  get running(): boolean {
    return this.#phase === 'running';
  }

  /** Live progress, one entry per step, in the order the steps started. */
  get steps(): readonly StepProgress[] {
    return this.#steps;
  }

  /** What the view lists: live state per step, then each step's result. */
  get rows(): readonly StepRow[] {
    return this.#rows;
  }

  get report(): SelfCheckReport | null {
    return this.#report;
  }

  /** Why the run itself failed (not a failed step: those are in the report). */
  get error(): string | null {
    return this.#error;
  }

  async run(): Promise<void> {
    if (this.#phase === 'running') return;
    const runId = this.#newRunId();
    this.#runId = runId;
    this.#phase = 'running';
    this.#steps = [];
    this.#report = null;
    this.#error = null;
    const unsubscribe = this.#api.on.progress((event) => {
      if (event.runId === runId) this.#record(event);
    });
    try {
      const report = await this.#api.app.selfCheck({ runId });
      if (this.#runId !== runId) return;
      this.#report = report;
      this.#phase = 'finished';
    } catch (err) {
      if (this.#runId !== runId) return;
      this.#error = messageOf(err);
      this.#phase = 'failed';
    } finally {
      unsubscribe();
    }
  }

  #record(event: ProgressEvent): void {
    const entry: StepProgress = { step: event.step, state: event.state, at: event.at };
    const index = this.#steps.findIndex((s) => s.step === event.step);
    if (index === -1) {
      this.#steps.push(entry);
    } else {
      this.#steps[index] = entry;
    }
  }
}
