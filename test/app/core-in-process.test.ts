import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CredentialStore, KeychainStatus } from '../../app/core/secrets/credential-store';
import type { ProgressEvent } from '../../app/contract';
import { createInProcessCore } from '../../app/main/core-in-process';
import { PublicError } from '../../app/main/errors';
import { createHandlers } from '../../app/main/handlers';
import { dispatchInvoke } from '../../app/main/ipc';

function store(status: () => Promise<KeychainStatus>): CredentialStore {
  return {
    backend: 'fake',
    status,
    get: async () => null,
    has: async () => false,
    set: async () => undefined,
    delete: async () => false,
  };
}

describe('createInProcessCore', () => {
  it('runs the real self-check behind the real handlers', async () => {
    const core = createInProcessCore({
      dataDirectory: mkdtempSync(join(tmpdir(), 'sealcheck-core-')),
      credentialStore: store(async () => ({ available: true, backend: 'fake' })),
    });
    const events: ProgressEvent[] = [];
    const handlers = createHandlers({
      core,
      appInfo: () => ({
        name: 'Sealcheck',
        version: '0',
        versions: { node: process.versions.node, openssl: process.versions.openssl },
        platform: process.platform,
        coreHost: core.host,
      }),
      dialogs: { save: async () => null, openCertificate: async () => null },
      events: { progress: (e) => events.push(e) },
    });
    const report = await dispatchInvoke(handlers, 'app:self-check', [{ runId: 'e2e-1' }]);
    expect(report).toMatchObject({ runId: 'e2e-1', ok: true });
    expect(events).toHaveLength(6);
    expect(events.every((e) => e.runId === 'e2e-1')).toBe(true);
    await expect(dispatchInvoke(handlers, 'app:get-info', [])).resolves.toMatchObject({
      coreHost: 'in-process',
    });
  });

  it('cancels a run between steps, and refuses a run id already running', async () => {
    let release: (s: KeychainStatus) => void = () => undefined;
    const core = createInProcessCore({
      dataDirectory: mkdtempSync(join(tmpdir(), 'sealcheck-core-')),
      credentialStore: store(() => new Promise<KeychainStatus>((resolve) => (release = resolve))),
    });
    const run = core.selfCheck({ runId: 'c' }, () => undefined);
    await expect(core.selfCheck({ runId: 'c' }, () => undefined)).rejects.toThrow(
      /already running/,
    );
    // Let the first run finish; then cancel a second one between two of its steps.
    release({ available: true, backend: 'fake' });
    await expect(run).resolves.toMatchObject({ ok: true });

    const second = core.selfCheck({ runId: 'd' }, (e) => {
      if (e.step === 'tls' && e.state === 'done') core.cancel('d');
    });
    const err = await second.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PublicError);
    expect((err as PublicError).code).toBe('cancelled');
  });
});
