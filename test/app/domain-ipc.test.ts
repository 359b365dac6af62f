/**
 * The domain check's channel (domain:check): what main lets through (a domain name, or an
 * address meaning its domain; nothing else reaches core), that it is a run (progress with the
 * run id, cancel), and the names rule it shares with the check (app/core/domain/name.ts).
 */
import { describe, expect, it, vi } from 'vitest';
import type { AppInfo, ProgressEvent } from '../../app/contract';
import { mailDomainOf, normaliseDomain } from '../../app/core/domain/name';
import { PublicError } from '../../app/main/errors';
import { createHandlers, type CoreClient, type RunOptions } from '../../app/main/handlers';
import { dispatchInvoke } from '../../app/main/ipc';

const info: AppInfo = {
  name: 'Sealcheck',
  version: '0.1.0',
  versions: { node: '24.0.0', openssl: '3.5.0' },
  platform: 'linux',
  coreHost: 'in-process',
};

const VIEW = {
  schema: 'sealcheck.domain-view/1',
  domain: 'example.org',
  checkedAt: '2026-03-01T00:00:00.000Z',
  durationMs: 12,
  verdict: 'could-not-check',
  headline: 'Could not check',
  sentence: 'Sealcheck could not check how mail to example.org is protected.',
  attention: [],
  info: [],
  hosts: [],
  details: [],
} as const;

function setup() {
  const calls: { method: string; args: readonly unknown[]; run?: RunOptions }[] = [];
  const progress = vi.fn<(e: ProgressEvent) => void>();
  const cancel = vi.fn<(runId: string) => void>();
  const core: CoreClient = {
    host: 'in-process',
    selfCheck: () => Promise.reject(new Error('not in this test')),
    cancel,
    async call(method, args, run) {
      calls.push({ method, args, ...(run ? { run } : {}) });
      run?.onProgress({ runId: run.runId, step: 'connect', state: 'started', at: 1, scope: 'mx' });
      return VIEW;
    },
    dispose: async () => undefined,
  };
  const handlers = createHandlers({
    core,
    appInfo: () => info,
    events: { progress },
    dialogs: { save: async () => null, openCertificate: async () => null },
  });
  return { handlers, calls, progress, cancel };
}

async function refused(p: Promise<unknown>): Promise<string> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(PublicError);
  expect((err as PublicError).code).toBe('invalid-arguments');
  return (err as PublicError).message;
}

describe('domain:check', () => {
  it('takes a domain name or an address, and asks core about the domain only', async () => {
    const { handlers, calls, progress } = setup();
    await expect(
      dispatchInvoke(handlers, 'domain:check', ['run-1', { domain: '  Alice@Example.ORG ' }]),
    ).resolves.toEqual(VIEW);
    await dispatchInvoke(handlers, 'domain:check', ['run-2', { domain: 'mail.example.org.' }]);
    expect(calls.map((c) => [c.method, c.args, c.run?.runId])).toEqual([
      ['domain.check', ['run-1', 'example.org'], 'run-1'],
      ['domain.check', ['run-2', 'mail.example.org'], 'run-2'],
    ]);
    // A run: its progress goes to the window with the run id.
    expect(progress).toHaveBeenCalledWith(expect.objectContaining({ runId: 'run-1', scope: 'mx' }));
  });

  it.each([
    ['an empty name', ''],
    ['spaces only', '   '],
    ['one label', 'localhost'],
    ['a URL', 'https://example.org/'],
    ['a name with a port', 'example.org:25'],
    ['a name with spaces', 'exa mple.org'],
    ['an address without a local part', '@example.org'],
    ['an address without a domain', 'alice@'],
    ['a quoted local part with a space', '"a b"@example.org'],
    ['an IP address', '192.0.2.1.'],
    ['a label too long', `${'a'.repeat(64)}.example`],
    ['a control character', 'exa\u0000mple.org'],
  ])('refuses %s before core hears of it', async (_what, domain) => {
    const { handlers, calls } = setup();
    const message = await refused(dispatchInvoke(handlers, 'domain:check', ['run-1', { domain }]));
    expect(message).toMatch(/^Invalid arguments for domain:check/);
    expect(calls).toEqual([]);
  });

  it.each([
    ['no object', ['run-1', 'example.org']],
    ['an extra field', ['run-1', { domain: 'example.org', resolver: '127.0.0.1' }]],
    ['a number', ['run-1', { domain: 42 }]],
    ['too long', ['run-1', { domain: `${'a'.repeat(300)}@example.org` }]],
    ['a bad run id', ['run 1', { domain: 'example.org' }]],
    ['too many arguments', ['run-1', { domain: 'example.org' }, 'more']],
  ])('refuses %s', async (_what, args) => {
    const { handlers, calls } = setup();
    await refused(dispatchInvoke(handlers, 'domain:check', args));
    expect(calls).toEqual([]);
  });

  it('is cancelled like a check, by its run id', async () => {
    const { handlers, cancel } = setup();
    await dispatchInvoke(handlers, 'checks:cancel', ['run-1']);
    expect(cancel).toHaveBeenCalledWith('run-1');
  });

  it('lets through only what the contract describes of the view', async () => {
    const { handlers } = setup();
    const result = (await dispatchInvoke(handlers, 'domain:check', [
      'run-1',
      { domain: 'example.org' },
    ])) as Record<string, unknown>;
    expect(Object.keys(result).sort()).toEqual(Object.keys(VIEW).sort());
  });
});

describe('mailDomainOf', () => {
  it('is normaliseDomain for names, and the part after the last "@" for addresses', () => {
    expect(mailDomainOf('Example.Org.')).toBe(normaliseDomain('Example.Org.'));
    expect(mailDomainOf('first.last+tag@Sub.Example.org')).toBe('sub.example.org');
    expect(mailDomainOf('odd@local@example.org')).toBe('example.org');
    expect(mailDomainOf('alice@localhost')).toBeNull();
    expect(mailDomainOf(`${'a'.repeat(65)}@example.org`)).toBeNull();
  });
});
