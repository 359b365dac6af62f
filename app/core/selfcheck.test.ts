import { describe, expect, it } from 'vitest';
import type { CredentialStore, KeychainStatus } from './secrets/credential-store';
import { nodeTlsFacts, runSelfCheck, type SelfCheckProgress, type TlsFacts } from './selfcheck';

function fakeStore(status: () => Promise<KeychainStatus>): CredentialStore {
  return {
    backend: 'fake',
    status,
    get: async () => null,
    has: async () => false,
    set: async () => undefined,
    delete: async () => false,
  };
}

const available = fakeStore(async () => ({ available: true, backend: 'fake' }));

describe('runSelfCheck', () => {
  it('reports facts for tls, roots and keychain, with progress per step', async () => {
    const events: SelfCheckProgress[] = [];
    let clock = 1000;
    const report = await runSelfCheck({
      runId: 'run-1',
      credentialStore: available,
      onProgress: (e) => events.push(e),
      now: () => clock++,
    });

    expect(report.runId).toBe('run-1');
    expect(report.ok).toBe(true);
    expect(report.items.map((i) => i.step)).toEqual(['tls', 'roots', 'keychain']);

    const [tlsItem, roots, keychain] = report.items;
    expect(tlsItem?.facts).toMatchObject({
      openssl: process.versions.openssl,
      minVersion: expect.stringMatching(/^TLSv1/),
      maxVersion: expect.stringMatching(/^TLSv1/),
      secureContext: true,
    });
    expect(roots?.facts.bundled).toBeGreaterThan(50);
    // Node 22/24 can read the OS store; the count may be 0 but is a number.
    expect(typeof roots?.facts.system).toBe('number');
    expect(keychain).toEqual({
      step: 'keychain',
      ok: true,
      facts: { backend: 'fake', available: true },
    });

    expect(events.map((e) => `${e.step}:${e.state}`)).toEqual([
      'tls:started',
      'tls:done',
      'roots:started',
      'roots:done',
      'keychain:started',
      'keychain:done',
    ]);
    expect(events.every((e) => e.runId === 'run-1')).toBe(true);
    expect(events.map((e) => e.at)).toEqual([1000, 1001, 1002, 1003, 1004, 1005]);
  });

  it('fails closed when the keychain is unavailable, and says why as a fact', async () => {
    const events: string[] = [];
    const report = await runSelfCheck({
      runId: 'r',
      credentialStore: fakeStore(async () => ({
        available: false,
        backend: 'fake',
        reason: 'locked',
      })),
      onProgress: (e) => events.push(`${e.step}:${e.state}`),
    });
    expect(report.ok).toBe(false);
    expect(report.items[2]).toEqual({
      step: 'keychain',
      ok: false,
      facts: { backend: 'fake', available: false, reason: 'locked' },
    });
    expect(events.at(-1)).toBe('keychain:failed');
  });

  it('bounds a keychain that never answers', async () => {
    const started = Date.now();
    const report = await runSelfCheck({
      runId: 'r',
      credentialStore: fakeStore(() => new Promise<KeychainStatus>(() => undefined)),
      keychainTimeoutMs: 50,
    });
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(report.items[2]?.ok).toBe(false);
    expect(report.items[2]?.facts.reason).toMatch(/50 ms/);
  });

  it('turns a throwing step into a failed item and goes on', async () => {
    const broken: TlsFacts = {
      ...nodeTlsFacts(),
      createSecureContext: () => {
        throw new Error('no TLS here');
      },
      getSystemCertificates: undefined,
    };
    const report = await runSelfCheck({
      runId: 'r',
      credentialStore: fakeStore(async () => {
        throw new Error('status must not throw, but did');
      }),
      tlsFacts: broken,
    });
    expect(report.ok).toBe(false);
    expect(report.items[0]).toMatchObject({
      step: 'tls',
      ok: false,
      facts: { secureContext: false },
      error: 'Error: no TLS here',
    });
    // Where tls.getCACertificates does not exist (Node 20), the system count is "unknown".
    expect(report.items[1]?.facts.system).toBe('unknown');
    expect(report.items[2]).toMatchObject({
      step: 'keychain',
      ok: false,
      error: 'Error: status must not throw, but did',
    });
  });

  it('ignores a throwing progress listener', async () => {
    const report = await runSelfCheck({
      runId: 'r',
      credentialStore: available,
      onProgress: () => {
        throw new Error('listener bug');
      },
    });
    expect(report.ok).toBe(true);
  });

  it('stops before the next step when aborted', async () => {
    const controller = new AbortController();
    const steps: string[] = [];
    const run = runSelfCheck({
      runId: 'r',
      credentialStore: available,
      signal: controller.signal,
      onProgress: (e) => {
        steps.push(`${e.step}:${e.state}`);
        if (e.step === 'tls' && e.state === 'done')
          controller.abort(new Error('cancelled by test'));
      },
    });
    await expect(run).rejects.toThrow('cancelled by test');
    expect(steps).toEqual(['tls:started', 'tls:done']);
  });
});
