import { describe, expect, it, vi } from 'vitest';
import { listInvokes, type AppInfo, type SelfCheckReport } from '../../app/contract';
import { PublicError } from '../../app/main/errors';
import { createHandlers, type CoreClient } from '../../app/main/handlers';
import { channels, dispatchInvoke, type Handlers } from '../../app/main/ipc';
import { isTrustedSender, registerIpc } from '../../app/main/register-ipc';

const info: AppInfo = {
  name: 'Sealcheck',
  version: '0.1.0',
  versions: { node: '24.0.0', openssl: '3.5.0' },
  platform: 'linux',
  coreHost: 'in-process',
};

const report: SelfCheckReport = {
  runId: 'run-1',
  ok: true,
  items: [{ step: 'tls', ok: true, facts: { openssl: '3.5.0' } }],
};

function fakeHandlers(overrides: Partial<Handlers> = {}): Handlers {
  // Channels these tests do not exercise answer with an error.
  const others = Object.fromEntries(
    channels().map((c) => [
      c,
      vi.fn(async () => Promise.reject(new Error(`${c}: not in this test`))),
    ]),
  ) as unknown as Handlers;
  return {
    ...others,
    'app:get-info': vi.fn(async () => info),
    'app:self-check': vi.fn(async () => report),
    ...overrides,
  };
}

async function rejection(p: Promise<unknown>): Promise<PublicError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(PublicError);
  return err as PublicError;
}

describe('dispatchInvoke', () => {
  it('covers exactly the contract channels', () => {
    expect([...channels()].sort()).toEqual(
      listInvokes()
        .map((i) => i.spec.channel)
        .sort(),
    );
  });

  it('passes valid input to the handler and returns the checked result', async () => {
    const handlers = fakeHandlers();
    await expect(dispatchInvoke(handlers, 'app:self-check', [{ runId: 'run-1' }])).resolves.toEqual(
      report,
    );
    expect(handlers['app:self-check']).toHaveBeenCalledWith({ runId: 'run-1' });
    await expect(dispatchInvoke(handlers, 'app:get-info', [])).resolves.toEqual(info);
  });

  it.each([['app:nope'], ['event:progress'], ['toString'], ['__proto__'], [42], [undefined]])(
    'rejects the unknown channel %s',
    async (channel) => {
      const handlers = fakeHandlers();
      const err = await rejection(dispatchInvoke(handlers, channel, []));
      expect(err.code).toBe('unknown-channel');
      expect(err.message).toBe('Unknown request.');
    },
  );

  it.each([
    ['too few arguments', []],
    ['too many arguments', [{ runId: 'a' }, { runId: 'b' }]],
    ['a run id with spaces', [{ runId: 'run 1' }]],
    ['an empty run id', [{ runId: '' }]],
    ['a run id that is too long', [{ runId: 'x'.repeat(65) }]],
    ['a number for the run id', [{ runId: 7 }]],
    ['extra keys', [{ runId: 'ok', extra: true }]],
    ['a string instead of an object', ['run-1']],
    ['null', [null]],
  ])('rejects %s', async (_label, args) => {
    const handlers = fakeHandlers();
    const err = await rejection(dispatchInvoke(handlers, 'app:self-check', args));
    expect(err.code).toBe('invalid-arguments');
    expect(err.message).toMatch(/^Invalid arguments for app:self-check/);
    expect(handlers['app:self-check']).not.toHaveBeenCalled();
  });

  it('rejects arguments to a channel that takes none', async () => {
    const err = await rejection(dispatchInvoke(fakeHandlers(), 'app:get-info', [1]));
    expect(err.code).toBe('invalid-arguments');
  });

  it('rejects a non-array argument list', async () => {
    const err = await rejection(
      dispatchInvoke(fakeHandlers(), 'app:get-info', 'x' as unknown as unknown[]),
    );
    expect(err.code).toBe('invalid-arguments');
  });

  it('hides unexpected handler errors behind a generic message', async () => {
    const handlers = fakeHandlers({
      'app:get-info': async () => {
        throw new Error('ENOENT: /home/someone/secret/path');
      },
    });
    const err = await rejection(dispatchInvoke(handlers, 'app:get-info', []));
    expect(err.code).toBe('internal');
    expect(err.message).toBe('app:get-info failed unexpectedly.');
    expect(err.message).not.toContain('/home');
  });

  it('passes public errors from the handler on', async () => {
    const handlers = fakeHandlers({
      'app:self-check': async () => {
        throw new PublicError(
          'core-unavailable',
          'The checking process stopped unexpectedly (exit code 9).',
        );
      },
    });
    const err = await rejection(dispatchInvoke(handlers, 'app:self-check', [{ runId: 'a' }]));
    expect(err.code).toBe('core-unavailable');
  });

  it('refuses a result that breaks the contract, and strips unknown keys from a good one', async () => {
    const bad = fakeHandlers({ 'app:get-info': async () => ({ name: 'x' }) as unknown as AppInfo });
    expect((await rejection(dispatchInvoke(bad, 'app:get-info', []))).code).toBe('internal');

    const leaky = fakeHandlers({
      'app:get-info': async () => ({ ...info, secret: 'nope' }) as AppInfo,
    });
    const result = await dispatchInvoke(leaky, 'app:get-info', []);
    expect(result).toEqual(info);
    expect(result).not.toHaveProperty('secret');
  });
});

describe('createHandlers', () => {
  it('forwards self-check progress to the event sink', async () => {
    const progress = vi.fn();
    const core: CoreClient = {
      host: 'in-process',
      async selfCheck(request, onProgress) {
        onProgress({ runId: request.runId, step: 'tls', state: 'started', at: 1 });
        return { ...report, runId: request.runId };
      },
      cancel: () => undefined,
      call: () => Promise.reject(new Error('not in this test')),
      dispose: async () => undefined,
    };
    const handlers = createHandlers({
      core,
      appInfo: () => info,
      events: { progress },
      dialogs: { save: async () => null, openCertificate: async () => null },
    });
    await expect(
      dispatchInvoke(handlers, 'app:self-check', [{ runId: 'abc' }]),
    ).resolves.toMatchObject({ runId: 'abc' });
    expect(progress).toHaveBeenCalledWith({ runId: 'abc', step: 'tls', state: 'started', at: 1 });
    await expect(dispatchInvoke(handlers, 'app:get-info', [])).resolves.toEqual(info);
  });
});

describe('registerIpc', () => {
  type Listener = (event: unknown, ...args: unknown[]) => Promise<unknown>;
  function fakeIpcMain() {
    const registered = new Map<string, Listener>();
    return {
      registered,
      handle: (channel: string, listener: Listener) => void registered.set(channel, listener),
      removeHandler: (channel: string) => void registered.delete(channel),
    };
  }
  const frame = (url: string, parent: unknown = null) => ({ senderFrame: { url, parent } });
  const origins = ['app://sealcheck'];

  it('registers every channel, and removes them again', () => {
    const ipc = fakeIpcMain();
    const unregister = registerIpc(ipc as never, fakeHandlers(), {
      trustedOrigins: origins,
      log: () => undefined,
    });
    expect([...ipc.registered.keys()].sort()).toEqual([...channels()].sort());
    unregister();
    expect(ipc.registered.size).toBe(0);
  });

  it('answers our own main frame', async () => {
    const ipc = fakeIpcMain();
    registerIpc(ipc as never, fakeHandlers(), { trustedOrigins: origins });
    const listener = ipc.registered.get('app:self-check');
    await expect(
      listener?.(frame('app://sealcheck/index.html'), { runId: 'run-1' }),
    ).resolves.toEqual(report);
  });

  it.each([
    ['another origin', frame('https://evil.example/')],
    ['a file: page', frame('file:///tmp/index.html')],
    ['a look-alike host', frame('app://sealcheck.evil/index.html')],
    ['credentials in the URL', frame('app://user@sealcheck/index.html')],
    ['a sub-frame', frame('app://sealcheck/index.html', {})],
    ['a destroyed frame', { senderFrame: null }],
  ])('refuses %s', async (_label, event) => {
    const ipc = fakeIpcMain();
    const handlers = fakeHandlers();
    registerIpc(ipc as never, handlers, { trustedOrigins: origins, log: () => undefined });
    const listener = ipc.registered.get('app:get-info');
    if (!listener) throw new Error('app:get-info is not registered');
    const err = await rejection(listener(event));
    expect(err.code).toBe('untrusted-sender');
    expect(handlers['app:get-info']).not.toHaveBeenCalled();
  });

  it('checks senders by origin, including a dev server', () => {
    const dev = ['app://sealcheck', 'http://localhost:5173'];
    expect(isTrustedSender(frame('http://localhost:5173/') as never, dev)).toBe(true);
    expect(isTrustedSender(frame('http://localhost:5174/') as never, dev)).toBe(false);
  });
});
