/**
 * The domain checks of this window, one per domain: how mail sent TO an account's domain is
 * protected between mail servers. Started only when asked (port 25 is often blocked on home
 * networks, so a check may take a while and end in "could not check"), cancellable, and kept
 * per domain so the result is still there when the result screen is opened again.
 */
import type { domain as D, SealcheckApi } from '../../../app/contract';
import { SvelteMap } from 'svelte/reactivity';
import { startRun, type CheckRun } from './check-run.svelte';

export type DomainApi = {
  readonly domain: Pick<SealcheckApi['domain'], 'check'>;
  readonly checks: Pick<SealcheckApi['checks'], 'cancel'>;
  readonly on: Pick<SealcheckApi['on'], 'progress'>;
};

export type DomainRun = CheckRun<D.DomainView>;

export class DomainChecks {
  readonly #api: DomainApi;
  readonly #newRunId: () => string;
  readonly #runs = new SvelteMap<string, DomainRun>();

  constructor(api: DomainApi, newRunId: () => string = () => crypto.randomUUID()) {
    this.#api = api;
    this.#newRunId = newRunId;
  }

  /** The latest check of this domain in this window, or null. */
  run(domain: string): DomainRun | null {
    return this.#runs.get(domain) ?? null;
  }

  /** Checks the domain (again); a check of it still running is kept, not doubled. */
  check(domain: string): DomainRun {
    const current = this.#runs.get(domain);
    if (current?.phase === 'running') return current;
    const run = startRun(this.#api.on, this.#newRunId(), domain, (runId) =>
      this.#api.domain.check(runId, { domain }),
    );
    this.#runs.set(domain, run);
    return run;
  }

  async cancel(domain: string): Promise<void> {
    const run = this.#runs.get(domain);
    if (!run || run.phase !== 'running') return;
    await this.#api.checks.cancel(run.runId);
  }
}
