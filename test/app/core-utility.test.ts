/**
 * The utility-process core client against real child processes running the real core
 * server (over Node IPC instead of Electron's parentPort): results, progress, crash,
 * cancel, restart.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import type { ProgressEvent } from '../../app/contract';
import { createUtilityProcessCore, type UtilityProcessLike } from '../../app/main/core-utility';
import { PublicError } from '../../app/main/errors';
import { ensureBuilt, outDir } from './support/built';

const shim = fileURLToPath(new URL('./fixtures/core-worker-shim.ts', import.meta.url));
const children: ChildProcess[] = [];

function forkShim(keychain: 'ok' | 'hang' | 'crash'): UtilityProcessLike {
  const child = fork(shim, [], {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, SHIM_KEYCHAIN: keychain },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  children.push(child);
  return adapt(child);
}

function adapt(child: ChildProcess): UtilityProcessLike {
  const proc: UtilityProcessLike = {
    postMessage: (message) => void child.send(message as object),
    on(event: 'message' | 'exit', listener: (arg: never) => void) {
      if (event === 'message') child.on('message', listener as (m: unknown) => void);
      else
        child.on('exit', (code, signal) =>
          (listener as (c: number) => void)(code ?? (signal ? 128 : -1)),
        );
      return proc;
    },
    kill: () => child.kill(),
  };
  return proc;
}

/** Electron's process.parentPort, rebuilt over Node's child-process IPC, loaded before the built worker. */
const PARENT_PORT_SHIM = `data:text/javascript,${encodeURIComponent(
  [
    "import { EventEmitter } from 'node:events';",
    'const port = new EventEmitter();',
    "process.on('message', (data) => port.emit('message', { data }));",
    'process.parentPort = { on: (name, listener) => port.on(name, listener), postMessage: (m) => process.send(m) };',
  ].join('\n'),
)}`;

function forkBuiltWorker(): UtilityProcessLike {
  const dataDir = mkdtempSync(join(tmpdir(), 'sealcheck-worker-'));
  const child = fork(join(outDir, 'main/core-worker.js'), [`--data-dir=${dataDir}`], {
    execArgv: ['--import', PARENT_PORT_SHIM],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  children.push(child);
  return adapt(child);
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

afterEach(async () => {
  for (const child of children.splice(0)) {
    child.kill();
    await exited(child);
  }
});

async function publicError(p: Promise<unknown>): Promise<PublicError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(PublicError);
  return err as PublicError;
}

describe('createUtilityProcessCore', () => {
  it('runs the self-check in the child and forwards its progress', async () => {
    const core = createUtilityProcessCore({ fork: () => forkShim('ok') });
    const events: ProgressEvent[] = [];
    const report = await core.selfCheck({ runId: 'one' }, (e) => events.push(e));
    expect(report.runId).toBe('one');
    expect(report.ok).toBe(true);
    expect(report.items.map((i) => i.step)).toEqual(['tls', 'roots', 'keychain']);
    expect(report.items[2]?.facts).toEqual({ backend: 'shim', available: true });
    expect(events.map((e) => `${e.step}:${e.state}`)).toEqual([
      'tls:started',
      'tls:done',
      'roots:started',
      'roots:done',
      'keychain:started',
      'keychain:done',
    ]);
    // A second run reuses the same process.
    await core.selfCheck({ runId: 'two' }, () => undefined);
    expect(children).toHaveLength(1);
    await core.dispose();
  });

  it('reports a crash clearly, then starts a fresh process', async () => {
    const modes: Array<'crash' | 'ok'> = ['crash', 'ok'];
    const core = createUtilityProcessCore({
      fork: () => forkShim(modes.shift() ?? 'ok'),
      log: () => undefined,
    });
    const err = await publicError(core.selfCheck({ runId: 'boom' }, () => undefined));
    expect(err.code).toBe('core-unavailable');
    expect(err.message).toBe('The checking process stopped unexpectedly (exit code 3).');

    const report = await core.selfCheck({ runId: 'again' }, () => undefined);
    expect(report.ok).toBe(true);
    expect(children).toHaveLength(2);
    await core.dispose();
  });

  it('cancels by killing the process, and the next run gets a new one', async () => {
    const modes: Array<'hang' | 'ok'> = ['hang', 'ok'];
    const core = createUtilityProcessCore({
      fork: () => forkShim(modes.shift() ?? 'ok'),
      log: () => undefined,
    });
    let markStarted: () => void = () => undefined;
    const keychainStarted = new Promise<void>((resolve) => (markStarted = resolve));
    const run = core.selfCheck({ runId: 'slow' }, (e) => {
      if (e.step === 'keychain' && e.state === 'started') markStarted();
    });
    const other = core.selfCheck({ runId: 'bystander' }, () => undefined);
    await keychainStarted;
    core.cancel('slow');

    const err = await publicError(run);
    expect(err.code).toBe('cancelled');
    expect(err.message).toBe('Run slow was cancelled.');
    expect((await publicError(other)).code).toBe('core-unavailable');
    const [first] = children;
    if (!first) throw new Error('no child was started');
    await exited(first);
    expect(first.killed).toBe(true);

    await expect(core.selfCheck({ runId: 'after' }, () => undefined)).resolves.toMatchObject({
      ok: true,
    });
    core.cancel('not-running'); // unknown runs are ignored
    await core.dispose();
  });

  it('rejects pending runs on dispose', async () => {
    const core = createUtilityProcessCore({ fork: () => forkShim('hang') });
    const run = core.selfCheck({ runId: 'pending' }, () => undefined);
    await new Promise((resolve) => setTimeout(resolve, 300));
    await core.dispose();
    expect((await publicError(run)).code).toBe('cancelled');
  });
});

describe('the BUILT core worker (out/main/core-worker.js)', () => {
  it('answers a self-check over its parent port', async () => {
    ensureBuilt();
    const core = createUtilityProcessCore({ fork: forkBuiltWorker });
    const events: ProgressEvent[] = [];
    const report = await core.selfCheck({ runId: 'built' }, (e) => events.push(e));
    expect(report.runId).toBe('built');
    expect(report.items.map((i) => i.step)).toEqual(['tls', 'roots', 'keychain']);
    // The real keychain store: available inside npm test's private D-Bus session, unavailable elsewhere.
    expect(report.items[2]?.facts).toHaveProperty('backend');
    expect(events).toHaveLength(6);
    await core.dispose();
  }, 60_000);
});

describe('createUtilityProcessCore with a scripted process', () => {
  function scripted() {
    const listeners: { message: Array<(m: unknown) => void>; exit: Array<(c: number) => void> } = {
      message: [],
      exit: [],
    };
    const posted: unknown[] = [];
    const proc: UtilityProcessLike = {
      postMessage: (m) => void posted.push(m),
      on(event: 'message' | 'exit', listener: (arg: never) => void) {
        (listeners[event] as Array<(arg: never) => void>).push(listener);
        return proc;
      },
      kill: () => true,
    };
    const emit = (m: unknown) => listeners.message.forEach((l) => l(m));
    return { proc, posted, emit, exit: (code: number) => listeners.exit.forEach((l) => l(code)) };
  }

  it('queues requests until the process is ready', async () => {
    const s = scripted();
    const core = createUtilityProcessCore({ fork: () => s.proc });
    const run = core.selfCheck({ runId: 'q' }, () => undefined);
    expect(s.posted).toEqual([]);
    s.emit({ kind: 'ready' });
    expect(s.posted).toEqual([{ kind: 'self-check', id: 1, request: { runId: 'q' } }]);
    s.emit({ kind: 'result', id: 1, report: { runId: 'q', ok: true, items: [] } });
    await expect(run).resolves.toEqual({ runId: 'q', ok: true, items: [] });
  });

  it('ignores malformed messages and progress for another run', async () => {
    const s = scripted();
    const logged: string[] = [];
    const core = createUtilityProcessCore({ fork: () => s.proc, log: (m) => logged.push(m) });
    const events: ProgressEvent[] = [];
    const run = core.selfCheck({ runId: 'm' }, (e) => events.push(e));
    s.emit({ kind: 'ready' });
    s.emit({ kind: 'result', id: 1, report: { runId: 'm', ok: 'yes' } });
    s.emit('garbage');
    s.emit({
      kind: 'progress',
      id: 1,
      event: { runId: 'other', step: 'tls', state: 'started', at: 1 },
    });
    s.emit({
      kind: 'progress',
      id: 1,
      event: { runId: 'm', step: 'tls', state: 'started', at: 2 },
    });
    s.emit({ kind: 'error', id: 1, message: 'TypeError: x at /some/path' });
    const err = await publicError(run);
    expect(err.code).toBe('internal');
    expect(err.message).not.toContain('/some/path');
    expect(events).toEqual([{ runId: 'm', step: 'tls', state: 'started', at: 2 }]);
    expect(logged.filter((l) => l.includes('malformed'))).toHaveLength(2);
  });

  it('reports a process that cannot start', async () => {
    const core = createUtilityProcessCore({
      fork: () => {
        throw new Error('spawn failed');
      },
    });
    expect((await publicError(core.selfCheck({ runId: 'x' }, () => undefined))).code).toBe(
      'core-unavailable',
    );
  });
});

describe('account operations through the utility process', () => {
  it('a call returns the core’s value; a PublicError keeps its code and words', async () => {
    const core = createUtilityProcessCore({ fork: () => forkShim('ok') });
    try {
      expect(await core.call('accounts.list', [])).toEqual([]);
      const added = (await core.call('accounts.add', [
        {
          displayName: 'Alice',
          address: 'alice@example.org',
          username: 'alice',
          incoming: { protocol: 'imap', host: 'imap.example.org', port: 993, security: 'implicit' },
          outgoing: null,
          chat: null,
        },
      ])) as { id: string };
      expect(added.id).toMatch(/^[0-9a-f-]{36}$/);
      const missing = await core.call('accounts.update', ['no-such-id', {}]).then(
        () => null,
        (e: unknown) => e,
      );
      expect(missing).toBeInstanceOf(PublicError);
      expect((missing as PublicError).code).toBe('not-found');
    } finally {
      await core.dispose();
    }
  });
});
