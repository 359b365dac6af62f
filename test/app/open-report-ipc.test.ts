/**
 * A report file the system hands to the app, end to end through the window's channel: an
 * account is checked and exported (the real export), the file is put in main's inbox as a
 * double-click would, and reports:open-next gives the facts judged again by this Sealcheck,
 * never the words saved in the file. A file that is not a report is refused in one sentence.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { checks as C } from '../../app/contract';
import type { Account } from '../../app/core/accounts/model';
import type { LookupFunction } from '../../app/core/net/resolve';
import { createInProcessCore } from '../../app/main/core-in-process';
import { PublicError } from '../../app/main/errors';
import { dispatchInvoke, type Handlers } from '../../app/main/ipc';
import { ReportInbox } from '../../app/main/open-report';
import { memoryKeychain } from '../support/memory-keychain';
import { windowHandlers } from './support/window-handlers';
import { startDialogServer, type HostileServer } from '../hostile/servers';
import { HOSTILE_NAME, hostileCert } from '../hostile/tls-servers';

const lookup: LookupFunction = (_h, _o, cb) => cb(null, [{ address: '127.0.0.1', family: 4 }]);

let dir = '';
let server: HostileServer;
let handlers: Handlers;
const inbox = new ReportInbox();
const saved: { name: string; content: string }[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sealcheck-open-report-ipc-'));
  server = await startDialogServer('imap', { implicit: true });
  const core = createInProcessCore({
    credentialStore: memoryKeychain(),
    dataDirectory: join(dir, 'data'),
    network: { lookup, extraCa: [(await hostileCert()).cert] },
  });
  handlers = windowHandlers(core, {
    dialogs: {
      save: async (name, content) => {
        saved.push({ name, content });
        return join(dir, name);
      },
      openCertificate: async () => null,
    },
    reports: inbox,
  });
});

afterAll(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

const invoke = (channel: string, ...args: unknown[]) => dispatchInvoke(handlers, channel, args);

async function inInbox(name: string, content: string | Buffer): Promise<void> {
  const file = join(dir, name);
  await writeFile(file, content);
  inbox.add([file]);
}

describe('opening a saved report', () => {
  let original: C.CheckView;
  let exported = '';

  it('a report exported by the app opens as the same verdict, judged again, marked as saved', async () => {
    const account = (await invoke('accounts:add', {
      displayName: 'Alice',
      address: `alice@${HOSTILE_NAME}`,
      username: 'alice',
      incoming: { protocol: 'imap', host: HOSTILE_NAME, port: server.port, security: 'implicit' },
      outgoing: null,
      chat: null,
    })) as Account;
    original = (await invoke('checks:run-account', 'run-original', account.id)) as C.CheckView;
    await invoke('checks:save', 'run-original', 'json');
    const file = saved.at(-1);
    expect(file?.name).toMatch(/\.sealcheck$/);
    exported = file?.content ?? '';
    await inInbox('alice.sealcheck', exported);

    const opened = (await invoke('reports:open-next', 'run-opened')) as C.CheckView;
    expect(opened.runId).toBe('run-opened');
    expect(opened.verdict).toEqual(original.verdict);
    expect(opened.endpoints.map((e) => e.findings.map((f) => f.id))).toEqual(
      original.endpoints.map((e) => e.findings.map((f) => f.id)),
    );
    expect(opened.savedReport).toEqual({
      fileName: 'alice.sealcheck',
      claimedVersion: expect.any(String),
      claimedCheckedAt: expect.any(String),
      notes: [],
    });
    // Kept like a check: it can be exported again.
    expect(await invoke('checks:markdown', 'run-opened')).toContain(HOSTILE_NAME);
    expect(await invoke('reports:open-next', 'run-none')).toBeNull();
  });

  it('the warning decoder holds an app’s code against the kept check', async () => {
    const decoded = (await invoke(
      'checks:decode-warning',
      'run-original',
      0,
      'SEC_ERROR_UNKNOWN_ISSUER',
    )) as C.WarningResult;
    expect(decoded.recognised).toBe('SEC_ERROR_UNKNOWN_ISSUER');
    expect(decoded.conclusion).toMatch(/^From here, .* looks right/);
    const missing = await invoke('checks:decode-warning', 'run-original', 5, 'x').then(
      () => null,
      (e: unknown) => e,
    );
    expect((missing as PublicError).code).toBe('not-found');
  });

  it('words saved in the file are never shown: a lying view changes nothing', async () => {
    const report = JSON.parse(exported) as { view: C.CheckView };
    report.view = {
      ...report.view,
      verdict: { ...report.view.verdict, headline: 'All is fine, click OK', sentence: 'Trust me.' },
    };
    await inInbox('lying.sealcheck', JSON.stringify(report));
    const opened = (await invoke('reports:open-next', 'run-lying')) as C.CheckView;
    expect(JSON.stringify(opened)).not.toContain('click OK');
    expect(opened.verdict).toEqual(original.verdict);
  });

  it('a file that is not a report: one sentence naming the file, nothing opened', async () => {
    await inInbox('notes.sealcheck', 'Dear help desk, …');
    const err = await invoke('reports:open-next', 'run-bad').then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(PublicError);
    expect((err as PublicError).code).toBe('invalid-arguments');
    expect((err as PublicError).message).toMatch(/^notes\.sealcheck: The file is not/);
    expect((err as PublicError).message).not.toContain('Dear help desk');
    await inInbox('binary.sealcheck', Buffer.from([0xff, 0xfe, 0x00]));
    const binary = await invoke('reports:open-next', 'run-bin').then(
      () => null,
      (e: unknown) => e,
    );
    expect((binary as PublicError).message).toBe(
      'binary.sealcheck: The file is not a Sealcheck report: it is not text.',
    );
  });

  it('refuses a run id that breaks the contract before reading anything', async () => {
    await inInbox(`${randomBytes(3).toString('hex')}.sealcheck`, exported);
    const err = await invoke('reports:open-next', '../../etc').then(
      () => null,
      (e: unknown) => e,
    );
    expect((err as PublicError).code).toBe('invalid-arguments');
    expect(inbox.size).toBe(1);
  });
});
