import { describe, expect, it } from 'vitest';
import type { ProgressEvent, SelfCheckReport } from '../../../app/contract';
import { SelfCheck, type SelfCheckApi } from './self-check.svelte';

/** A scripted stand-in for window.sealcheck: the test decides when events and the reply come. */
function fakeApi() {
  const listeners = new Set<(e: ProgressEvent) => void>();
  let finish: (r: SelfCheckReport) => void = () => {};
  let fail: (e: Error) => void = () => {};
  const api: SelfCheckApi = {
    app: {
      selfCheck: () =>
        new Promise<SelfCheckReport>((resolve, reject) => {
          finish = resolve;
          fail = reject;
        }),
    },
    on: {
      progress: (listener) => {
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
    },
  };
  return {
    api,
    listeners,
    emit: (e: Omit<ProgressEvent, 'at'>) => listeners.forEach((l) => l({ ...e, at: 1 })),
    finish: (r: SelfCheckReport) => finish(r),
    fail: (e: Error) => fail(e),
  };
}

const report: SelfCheckReport = {
  runId: 'run-1',
  ok: false,
  items: [
    { step: 'tls', ok: true, facts: { openssl: '3.5.0' } },
    { step: 'roots', ok: true, facts: { bundled: 120, system: 300 } },
    { step: 'keychain', ok: false, facts: { backend: 'secret-service', reason: 'locked' } },
  ],
};

describe('SelfCheck', () => {
  it('follows progress step by step, ignores other runs, then keeps the report', async () => {
    const fake = fakeApi();
    const check = new SelfCheck(fake.api, () => 'run-1');
    const done = check.run();
    expect(check.phase).toBe('running');

    fake.emit({ runId: 'run-1', step: 'tls', state: 'started' });
    fake.emit({ runId: 'other', step: 'roots', state: 'started' });
    expect(check.rows).toEqual([{ step: 'tls', state: 'started', result: null }]);

    fake.emit({ runId: 'run-1', step: 'tls', state: 'done' });
    fake.emit({ runId: 'run-1', step: 'keychain', state: 'failed' });
    expect(check.rows.map((r) => `${r.step}:${r.state}`)).toEqual(['tls:done', 'keychain:failed']);

    fake.finish(report);
    await done;
    expect(check.phase).toBe('finished');
    // Steps that sent no progress still get their result, after the others.
    expect(check.rows.map((r) => `${r.step}:${r.state}:${r.result?.ok}`)).toEqual([
      'tls:done:true',
      'keychain:failed:false',
      'roots:null:true',
    ]);
    expect(fake.listeners.size).toBe(0);
  });

  it('reports a run that could not finish, and unsubscribes', async () => {
    const fake = fakeApi();
    const check = new SelfCheck(fake.api, () => 'run-2');
    const done = check.run();
    fake.fail(new Error('Request refused.'));
    await done;
    expect(check.phase).toBe('failed');
    expect(check.error).toBe('Request refused.');
    expect(fake.listeners.size).toBe(0);
  });

  it('does not start a second run while one is running', async () => {
    const fake = fakeApi();
    let ids = 0;
    const check = new SelfCheck(fake.api, () => `run-${++ids}`);
    const first = check.run();
    await check.run();
    expect(ids).toBe(1);
    fake.finish({ ...report, runId: 'run-1' });
    await first;
  });
});
