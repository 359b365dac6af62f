/** The pool's limits as properties: never more than N per key or in all at once, every job ends. */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { runHostPool } from './host-pool';
import { propertyRuns } from '../../test/support/properties';

interface Job {
  readonly id: number;
  readonly keys: readonly string[];
  /** Ticks of the fake work (0 = resolves in a microtask). */
  readonly ticks: number;
}

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

async function runJobs(
  jobs: readonly Job[],
  concurrency: number,
  perKey: number,
  options: { async?: boolean; window?: number; signal?: AbortSignal } = {},
) {
  const inFlight = new Map<string, number>();
  let running = 0;
  let maxRunning = 0;
  let maxPerKey = 0;
  const started: number[] = [];
  const results: { id: number; index: number }[] = [];
  async function* lazily(): AsyncGenerator<Job> {
    for (const j of jobs) {
      await tick();
      yield j;
    }
  }
  const outcome = await runHostPool<Job, number>(options.async === true ? lazily() : jobs, {
    concurrency,
    perKey,
    ...(options.window !== undefined ? { window: options.window } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
    keys: async (job) => {
      await tick();
      return job.keys;
    },
    run: async (job) => {
      started.push(job.id);
      running++;
      maxRunning = Math.max(maxRunning, running);
      for (const k of new Set(job.keys)) {
        const n = (inFlight.get(k) ?? 0) + 1;
        inFlight.set(k, n);
        maxPerKey = Math.max(maxPerKey, n);
      }
      for (let i = 0; i < job.ticks; i++) await tick();
      for (const k of new Set(job.keys)) inFlight.set(k, (inFlight.get(k) ?? 1) - 1);
      running--;
      return job.id;
    },
    onResult: (id, job, index) => {
      expect(job.id).toBe(id);
      results.push({ id, index });
    },
  });
  return { outcome, maxRunning, maxPerKey, started, results };
}

const jobsArb = fc
  .array(
    fc.record({
      keys: fc.array(fc.constantFrom('a', 'b', 'c', 'd', 'e'), { minLength: 0, maxLength: 3 }),
      ticks: fc.nat(5),
    }),
    { maxLength: 60 },
  )
  .map((list) => list.map((j, id) => ({ id, ...j })));

describe('runHostPool', () => {
  test('property: never more than N per key or concurrency in all; every job ends once, with its own index', async () => {
    await fc.assert(
      fc.asyncProperty(
        jobsArb,
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: 1, max: 4 }),
        fc.boolean(),
        fc.integer({ min: 1, max: 20 }),
        async (jobs, concurrency, perKey, lazy, window) => {
          const r = await runJobs(jobs, concurrency, perKey, { async: lazy, window });
          expect(r.maxRunning).toBeLessThanOrEqual(concurrency);
          expect(r.maxPerKey).toBeLessThanOrEqual(perKey);
          expect(r.results.map((x) => x.id).sort((a, b) => a - b)).toEqual(jobs.map((j) => j.id));
          for (const x of r.results) expect(x.index).toBe(x.id);
          expect(r.outcome).toEqual({ notStarted: 0, finished: jobs.length });
        },
      ),
      propertyRuns(150),
    );
  });

  test('property: jobs of one key start in input order', async () => {
    await fc.assert(
      fc.asyncProperty(jobsArb, fc.integer({ min: 1, max: 8 }), async (jobs, concurrency) => {
        const r = await runJobs(jobs, concurrency, 1);
        for (const key of ['a', 'b', 'c', 'd', 'e'] as const) {
          const order = r.started.filter((id) => jobs[id]?.keys.includes(key));
          expect(order).toEqual([...order].sort((a, b) => a - b));
        }
      }),
      propertyRuns(100),
    );
  });

  test('the limits are reached, not just respected: 2 per host, 4 hosts, concurrency 8', async () => {
    const jobs = Array.from({ length: 40 }, (_, id) => ({ id, keys: [`h${id % 4}`], ticks: 3 }));
    const r = await runJobs(jobs, 8, 2);
    expect(r.maxRunning).toBe(8);
    expect(r.maxPerKey).toBe(2);
  });

  test('a job with no keys counts only against the global limit', async () => {
    const jobs = Array.from({ length: 10 }, (_, id) => ({ id, keys: [], ticks: 2 }));
    const r = await runJobs(jobs, 5, 1);
    expect(r.maxRunning).toBe(5);
  });

  test('lazy: never more than the window pulled ahead of what runs', async () => {
    let pulled = 0;
    let maxAhead = 0;
    let finished = 0;
    function* endless(): Generator<number> {
      for (let i = 0; i < 1000; i++) {
        pulled++;
        maxAhead = Math.max(maxAhead, pulled - finished);
        yield i;
      }
    }
    await runHostPool<number, number>(endless(), {
      concurrency: 4,
      perKey: 1,
      window: 10,
      keys: (i) => [`k${i % 3}`],
      run: async (i) => {
        await tick();
        return i;
      },
      onResult: () => void finished++,
    });
    expect(finished).toBe(1000);
    expect(maxAhead).toBeLessThanOrEqual(10 + 4 + 1);
  });

  test('abort: nothing new starts, running jobs end, the rest is counted as not started', async () => {
    const controller = new AbortController();
    const jobs = Array.from({ length: 30 }, (_, id) => ({ id, keys: ['x'], ticks: 2 }));
    let seen = 0;
    const outcome = await runHostPool<Job, number>(jobs, {
      concurrency: 4,
      perKey: 2,
      window: 8,
      signal: controller.signal,
      keys: (j) => j.keys,
      run: async (j) => {
        for (let i = 0; i < j.ticks; i++) await tick();
        return j.id;
      },
      onResult: () => {
        if (++seen === 5) controller.abort();
      },
    });
    expect(outcome.finished).toBeGreaterThanOrEqual(5);
    expect(outcome.finished).toBeLessThanOrEqual(7);
    expect(outcome.notStarted).toBeGreaterThan(0);
  });

  test('a failing job rejects the pool', async () => {
    await expect(
      runHostPool([1, 2, 3], {
        concurrency: 2,
        perKey: 2,
        keys: () => [],
        run: async (n) => {
          if (n === 2) throw new Error('boom');
          return n;
        },
        onResult: () => undefined,
      }),
    ).rejects.toThrow('boom');
  });
});
