/**
 * A job pool with a global limit and a per-key politeness limit: at most `concurrency` jobs at
 * once, and at most `perKey` at once that share a key (check.ts: the host's IP addresses after
 * resolution, or its name when it does not resolve). Jobs are pulled lazily from an (async)
 * iterable, at most `window` ahead of the running ones, so a list of 100 000 rows never becomes
 * 100 000 promises.
 *
 * Per key, jobs start in input order: a job waiting for a key holds back every later job that
 * needs that key, so a job with several keys is never starved by single-key jobs behind it.
 * Results are delivered as each job ends (`onResult`, with the job's input index).
 *
 * On abort nothing new starts; running jobs are awaited (they get the signal themselves), and
 * the pool resolves with the number of jobs that never started.
 */

export interface HostPoolOptions<J, R> {
  readonly concurrency: number;
  readonly perKey: number;
  /** Jobs pulled ahead of the running ones (default 4 × concurrency, at least 64). */
  readonly window?: number;
  /** The keys a job holds while it runs (may resolve names; must not reject). */
  keys(job: J): readonly string[] | Promise<readonly string[]>;
  run(job: J): Promise<R>;
  onResult(result: R, job: J, index: number): void;
  readonly signal?: AbortSignal;
}

interface Waiting<J> {
  readonly job: J;
  readonly index: number;
  readonly keys: readonly string[];
}

export interface HostPoolOutcome {
  /** Jobs that were pulled from the input but never started (abort). */
  readonly notStarted: number;
  readonly finished: number;
}

export function runHostPool<J, R>(
  jobs: Iterable<J> | AsyncIterable<J>,
  options: HostPoolOptions<J, R>,
): Promise<HostPoolOutcome> {
  const concurrency = Math.max(1, options.concurrency);
  const perKey = Math.max(1, options.perKey);
  const window = options.window ?? Math.max(64, 4 * concurrency);
  const iterator: AsyncIterator<J> | Iterator<J> =
    Symbol.asyncIterator in jobs
      ? (jobs as AsyncIterable<J>)[Symbol.asyncIterator]()
      : (jobs as Iterable<J>)[Symbol.iterator]();
  const signal = options.signal;

  const waiting: Waiting<J>[] = [];
  const held = new Map<string, number>();
  let running = 0;
  let keying = 0; // pulled, keys being resolved
  let pulling = false;
  let exhausted = false;
  let nextIndex = 0;
  let finished = 0;
  let failed = false;
  let settled = false;

  return new Promise<HostPoolOutcome>((resolve, reject) => {
    const onAbort = (): void => pump();
    const fail = (err: unknown): void => {
      if (failed || settled) return;
      failed = true;
      signal?.removeEventListener('abort', onAbort);
      reject(err instanceof Error ? err : new Error(String(err)));
    };

    const start = (w: Waiting<J>): void => {
      running++;
      for (const k of w.keys) held.set(k, (held.get(k) ?? 0) + 1);
      let promise: Promise<R>;
      try {
        promise = options.run(w.job);
      } catch (err) {
        promise = Promise.reject(err instanceof Error ? err : new Error(String(err)));
      }
      promise.then(
        (result) => {
          release(w);
          finished++;
          try {
            options.onResult(result, w.job, w.index);
          } catch (err) {
            fail(err);
            return;
          }
          pump();
        },
        (err: unknown) => {
          release(w);
          fail(err);
        },
      );
    };

    const release = (w: Waiting<J>): void => {
      running--;
      for (const k of w.keys) {
        const n = (held.get(k) ?? 1) - 1;
        if (n <= 0) held.delete(k);
        else held.set(k, n);
      }
    };

    const pull = (): void => {
      pulling = true;
      const index = nextIndex;
      let step: IteratorResult<J> | Promise<IteratorResult<J>>;
      try {
        step = iterator.next();
      } catch (err) {
        fail(err);
        return;
      }
      Promise.resolve(step).then(
        (r) => {
          pulling = false;
          if (r.done === true) {
            exhausted = true;
            pump();
            return;
          }
          nextIndex++;
          keying++;
          Promise.resolve()
            .then(() => options.keys(r.value))
            .then(
              (keys) => {
                keying--;
                insert({ job: r.value, index, keys: [...new Set(keys)] });
                pump();
              },
              (err: unknown) => fail(err),
            );
          pump();
        },
        (err: unknown) => fail(err),
      );
    };

    /** Keeps `waiting` in input order (keys resolve in any order). */
    const insert = (w: Waiting<J>): void => {
      let i = waiting.length;
      while (i > 0 && (waiting[i - 1]?.index ?? 0) > w.index) i--;
      waiting.splice(i, 0, w);
    };

    const pump = (): void => {
      if (failed || settled) return;
      const aborted = signal?.aborted === true;
      if (!aborted) {
        // Start what may start, in input order; a waiting job holds back its keys for later jobs.
        const blocked = new Set<string>();
        for (let i = 0; i < waiting.length && running < concurrency;) {
          const w = waiting[i] as Waiting<J>;
          const free = w.keys.every((k) => !blocked.has(k) && (held.get(k) ?? 0) < perKey);
          if (free) {
            waiting.splice(i, 1);
            start(w);
          } else {
            for (const k of w.keys) blocked.add(k);
            i++;
          }
        }
        if (!exhausted && !pulling && waiting.length + keying < window) pull();
      }
      const idle = running === 0 && keying === 0 && !pulling;
      if (idle && (exhausted || aborted)) {
        settled = true;
        signal?.removeEventListener('abort', onAbort);
        const notStarted = waiting.length;
        waiting.length = 0;
        if (aborted && !exhausted) void Promise.resolve(iterator.return?.()).catch(() => undefined);
        resolve({ notStarted, finished });
      }
    };

    signal?.addEventListener('abort', onAbort, { once: true });
    pump();
  });
}
