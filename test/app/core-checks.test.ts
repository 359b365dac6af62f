/**
 * The window's checks (app/main/core-checks.ts) against the bed's real servers: quick and account
 * checks as runs with scoped progress, history across runs (earlier checks, and what changed
 * when the same name suddenly shows another server), exports, the fingerprint comparison, the
 * settings on disk (a company root that makes a chain verify), and cancelling.
 *
 * The standard ports a quick check tries are reached on the bed through connect-to rules; the
 * other standard ports have nothing listening on 127.0.0.1 and are left out of the result.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Account } from '../../app/core/accounts/model';
import { changeText } from '../../app/core/explain/changes';
import type { ConnectToRule } from '../../app/core/net/resolve';
import { createChecks, type Checks, type RunContext } from '../../app/main/core-checks';
import { PublicError } from '../../app/main/errors';
import { bedLookup, findEndpoint, loadBed, type BedDescription } from '../bed/endpoints';

const HOST = 'mail.test.example';

let bed: BedDescription;
let rootCa: string;
const dirs: string[] = [];

beforeAll(() => {
  bed = loadBed();
  rootCa = readFileSync(bed.rootCaFile, 'utf8');
});
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

async function dataDirectory(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'sealcheck-checks-'));
  dirs.push(d);
  return d;
}

/** Standard port on HOST → the bed endpoint with this id. */
function rules(map: Readonly<Record<number, string>>): ConnectToRule[] {
  return Object.entries(map).map(([port, id]) => ({
    host: HOST,
    port: Number(port),
    toHost: '127.0.0.1',
    toPort: findEndpoint(bed, id).port,
  }));
}

const GOOD_IMAP = { 993: 'dovecot-imap-implicit-good', 143: 'dovecot-imap-starttls-good' };

function checksFor(
  directory: string,
  map: Readonly<Record<number, string>> = GOOD_IMAP,
  trustRoot = true,
): Checks {
  return createChecks({
    dataDirectory: directory,
    version: '9.9.9-test',
    network: {
      lookup: bedLookup,
      connectTo: rules(map),
      ...(trustRoot ? { extraCa: [rootCa] } : {}),
    },
  });
}

interface Progress {
  readonly step: string;
  readonly state: string;
  readonly scope: string;
}

function context(runId = `run-${randomBytes(4).toString('hex')}`, signal?: AbortSignal) {
  const events: Progress[] = [];
  const ctx: RunContext = {
    runId,
    signal: signal ?? new AbortController().signal,
    onProgress: (step, state, scope) => events.push({ step, state, scope }),
  };
  return { ctx, events };
}

function account(over: Partial<Account> = {}): Account {
  return {
    id: 'acct-checks',
    displayName: 'Alice',
    address: 'alice@test.example',
    username: 'alice',
    incoming: {
      protocol: 'imap',
      host: HOST,
      port: findEndpoint(bed, 'dovecot-imap-implicit-good').port,
      security: 'implicit',
    },
    outgoing: {
      protocol: 'submission',
      host: HOST,
      port: findEndpoint(bed, 'postfix-submission-starttls-good').port,
      security: 'starttls',
    },
    chat: null,
    certificateExceptions: [],
    source: 'manual',
    authentication: 'password',
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
    ...over,
  };
}

async function publicError(p: Promise<unknown>, code: string): Promise<PublicError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(PublicError);
  expect((err as PublicError).code).toBe(code);
  return err as PublicError;
}

describe('checks.runQuick', () => {
  it('a view of the served standard ports, with the run id and progress scoped per endpoint', async () => {
    const checks = checksFor(await dataDirectory());
    const { ctx, events } = context('quick-1');
    const view = await checks['checks.runQuick'](HOST, ctx);
    expect(view).toMatchObject({ runId: 'quick-1', title: HOST, accountId: null });
    expect(view.endpoints.map((e) => [e.title, e.role, e.verdict.kind])).toEqual([
      ['IMAP mail.test.example:993 (TLS from the first byte)', null, 'encrypted-verified'],
      ['IMAP mail.test.example:143 (STARTTLS)', null, 'encrypted-verified'],
    ]);
    expect(view.verdict.kind).toBe('encrypted-verified');
    expect(Date.parse(view.checkedAt)).toBeGreaterThan(Date.now() - 120_000);
    for (const e of view.endpoints) {
      expect(e.changes).toEqual([]);
      expect(e.earlier).toEqual([]);
      expect(e.certificate?.nameMatches).toBe(true);
      expect(e.certificate?.broken).toBeNull();
      expect(e.connection).toMatch(/^TLS 1\.[23], /);
      expect(e.transcript.length).toBeGreaterThan(0);
    }
    // Every event names its endpoint as protocol:port; the served ones went through the dialog.
    expect(events.every((e) => /^(imap|pop3|submission|smtp|xmpp):\d+$/.test(e.scope))).toBe(true);
    const steps = (scope: string) =>
      new Set(events.filter((e) => e.scope === scope && e.state === 'done').map((e) => e.step));
    expect([...steps('imap:993')]).toEqual(expect.arrayContaining(['connect', 'handshake']));
    expect([...steps('imap:143')]).toEqual(
      expect.arrayContaining(['connect', 'starttls', 'handshake']),
    );
    // The ports nothing listens on were tried too, and failed to connect.
    expect(events).toContainEqual({ step: 'connect', state: 'failed', scope: 'pop3:995' });
  });

  it('a second check of the same host lists the first as earlier; nothing changed', async () => {
    const directory = await dataDirectory();
    const checks = checksFor(directory);
    const first = await checks['checks.runQuick'](HOST, context().ctx);
    const second = await checks['checks.runQuick'](HOST, context().ctx);
    for (const [i, e] of second.endpoints.entries()) {
      const before = first.endpoints[i];
      expect(e.changes).toEqual([]);
      expect(e.earlier).toEqual([
        {
          checkedAt: first.checkedAt,
          verdict: before?.verdict.kind,
          headline: before?.verdict.headline,
          leafSha256: before?.certificate?.path[0]?.sha256,
        },
      ]);
    }
    const history = await checks['checks.history']('quick', 'imap', HOST, 993);
    expect(history.map((r) => r.checkedAt)).toEqual([second.checkedAt, first.checkedAt]);
    expect(history[0]).toMatchObject({
      verdict: 'encrypted-verified',
      leafSha256: second.endpoints[0]?.certificate?.path[0]?.sha256,
      starttlsOffered: null,
    });
    expect((await checks['checks.history']('quick', 'imap', HOST, 143))[0]?.starttlsOffered).toBe(
      true,
    );
    // The history is a file in the data directory, read again by a new instance.
    expect(await readdir(directory)).toContain('history.json');
    const again = checksFor(directory);
    expect(await again['checks.history']('quick', 'imap', HOST, 993)).toEqual(history);
  });

  it('the same name showing other servers since: the changes, in words', async () => {
    const directory = await dataDirectory();
    const first = await checksFor(directory)['checks.runQuick'](HOST, context().ctx);
    // Now 993 is a server with a self-signed certificate, 143 one that offers no STARTTLS.
    const swapped = checksFor(directory, {
      993: 'dovecot-imap-implicit-self-signed',
      143: 'dovecot-imap-none',
    });
    const second = await swapped['checks.runQuick'](HOST, context().ctx);
    const [implicit, starttls] = second.endpoints;
    expect(implicit?.verdict.kind).toBe('encrypted-unverified');
    const since = first.checkedAt;
    // A self-signed certificate after a trusted one: worth a closer look, and why.
    expect(implicit?.changes).toEqual([
      expect.stringMatching(
        /^The server has a new certificate since the check on .*worth a closer look\. No trusted authority vouches for it any more\./,
      ),
      changeText({
        kind: 'verdict-changed',
        since,
        from: 'encrypted-verified',
        to: 'encrypted-unverified',
      }),
    ]);
    expect(starttls?.title).toBe('IMAP mail.test.example:143 (STARTTLS)');
    expect(starttls?.changes[0]).toBe(changeText({ kind: 'starttls-gone', since }));
    expect(starttls?.changes).toContain(
      changeText({
        kind: 'verdict-changed',
        since,
        from: 'encrypted-verified',
        to: starttls?.verdict.kind ?? 'could-not-check',
      }),
    );
    // The help-desk export says what changed too.
    const md = await swapped['checks.export'](second.runId, 'markdown');
    expect(md.content).toContain('new certificate');
  });

  it('a company root added in the settings makes the chain verify', async () => {
    const checks = checksFor(await dataDirectory(), GOOD_IMAP, false);
    const before = await checks['checks.runQuick'](HOST, context().ctx);
    expect(before.endpoints[0]?.verdict.kind).toBe('encrypted-unverified');
    await checks['settings.addRoot']('Test root', rootCa);
    const after = await checks['checks.runQuick'](HOST, context().ctx);
    expect(after.endpoints[0]?.verdict.kind).toBe('encrypted-verified');
    expect(after.endpoints[0]?.certificate?.path.at(-1)?.origin).toBe('from the extra store');
  });

  it('cancelled through its signal: PublicError "cancelled", and nothing recorded', async () => {
    const checks = checksFor(await dataDirectory());
    const controller = new AbortController();
    const { ctx } = context('quick-cancel', controller.signal);
    const cancelled: RunContext = {
      ...ctx,
      onProgress: (step, state) => {
        if (step === 'connect' && state === 'done') controller.abort();
      },
    };
    await publicError(checks['checks.runQuick'](HOST, cancelled), 'cancelled');
    expect(await checks['checks.history']('quick', 'imap', HOST, 993)).toEqual([]);
    expect(await checks['checks.history']('quick', 'imap', HOST, 143)).toEqual([]);
    await publicError(checks['checks.export']('quick-cancel', 'json'), 'not-found');
  });
});

describe('checks.runAccount', () => {
  it('a view per configured endpoint, progress scoped by role, history per account', async () => {
    const checks = checksFor(await dataDirectory());
    const { ctx, events } = context('acct-run-1');
    const view = await checks['checks.runAccount'](account(), ctx);
    expect(view).toMatchObject({ runId: 'acct-run-1', title: 'Alice', accountId: 'acct-checks' });
    expect(view.endpoints.map((e) => [e.role, e.protocol, e.security])).toEqual([
      ['incoming', 'imap', 'implicit'],
      ['outgoing', 'submission', 'starttls'],
    ]);
    expect(view.endpoints.every((e) => e.earlier.length === 0)).toBe(true);
    expect(new Set(events.map((e) => e.scope))).toEqual(new Set(['incoming', 'outgoing']));
    expect(events).toContainEqual({ step: 'handshake', state: 'done', scope: 'incoming' });
    expect(events).toContainEqual({ step: 'starttls', state: 'done', scope: 'outgoing' });

    const second = await checks['checks.runAccount'](account(), context().ctx);
    expect(second.endpoints[0]?.earlier).toEqual([
      {
        checkedAt: view.checkedAt,
        verdict: view.endpoints[0]?.verdict.kind,
        headline: view.endpoints[0]?.verdict.headline,
        leafSha256: view.endpoints[0]?.certificate?.path[0]?.sha256,
      },
    ]);
    expect(second.endpoints[1]?.earlier[0]?.checkedAt).toBe(view.checkedAt);
    // Kept per account: a quick check of the same server is another owner.
    const port = findEndpoint(bed, 'dovecot-imap-implicit-good').port;
    expect(await checks['checks.history']('acct-checks', 'imap', HOST, port)).toHaveLength(2);
    expect(await checks['checks.history']('quick', 'imap', HOST, port)).toEqual([]);
    // Without a display name the title is the address.
    const untitled = await checks['checks.runAccount'](
      account({ displayName: '', outgoing: null }),
      context().ctx,
    );
    expect(untitled.title).toBe('alice@test.example');
  });

  it('cancelled before it starts: PublicError "cancelled"', async () => {
    const checks = checksFor(await dataDirectory());
    const controller = new AbortController();
    controller.abort();
    await publicError(
      checks['checks.runAccount'](account(), context('acct-cancel', controller.signal).ctx),
      'cancelled',
    );
  });
});

describe('checks.export and checks.compareFingerprint', () => {
  let checks: Checks;
  let runId: string;
  let sha256: string;
  let sha1: string;
  let rootSha256: string;
  let checkedAt: string;
  beforeAll(async () => {
    checks = checksFor(await dataDirectory());
    const title = 'Alice / Work: <x>';
    const view = await checks['checks.runAccount'](
      account({ displayName: title, outgoing: null }),
      context('export-run').ctx,
    );
    runId = view.runId;
    checkedAt = view.checkedAt;
    const path = view.endpoints[0]?.certificate?.path ?? [];
    sha256 = path[0]?.sha256 ?? '';
    sha1 = path[0]?.sha1 ?? '';
    rootSha256 = path.at(-1)?.sha256 ?? '';
    expect(sha256).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    expect(path.length).toBe(3);
  });

  it('markdown: the help-desk report, file named after the title (sanitised) and the day', async () => {
    const out = await checks['checks.export'](runId, 'markdown');
    expect(out.fileName).toBe(`sealcheck-Alice_Work_x_-${checkedAt.slice(0, 10)}.md`);
    expect(out.content).toMatch(/^# Sealcheck: connection check\n/);
    expect(out.content).toContain('Sealcheck 9.9.9-test');
    expect(out.content).toContain(HOST);
  });

  it('html: the printable report, self-contained', async () => {
    const out = await checks['checks.export'](runId, 'html');
    expect(out.fileName).toBe(`sealcheck-Alice_Work_x_-${checkedAt.slice(0, 10)}.html`);
    expect(out.content).toMatch(/^<!doctype html>/);
    expect(out.content).toContain('Sealcheck report: Alice / Work: &#60;x&#62;');
    expect(out.content).toContain(sha256);
    expect(out.content).not.toMatch(/<script|\s(src|href)=/i);
  });

  it('json: parses, schema sealcheck.report/1, the view and the facts', async () => {
    const out = await checks['checks.export'](runId, 'json');
    expect(out.fileName).toBe(`sealcheck-Alice_Work_x_-${checkedAt.slice(0, 10)}.sealcheck`);
    const report = JSON.parse(out.content) as {
      schema: string;
      version: string;
      view: { runId: string; endpoints: unknown[] };
      facts: { target: { host: string } }[];
    };
    expect(report.schema).toBe('sealcheck.report/1');
    expect(report.version).toBe('9.9.9-test');
    expect(report.view.runId).toBe(runId);
    expect(report.view.endpoints).toHaveLength(1);
    expect(report.facts.map((f) => f.target.host)).toEqual([HOST]);
  });

  it('file names keep only word characters, dots and dashes, at most 60 of them', async () => {
    const long = `${'ä/'.repeat(10)}${'x'.repeat(100)}`;
    const view = await checks['checks.runAccount'](
      account({ displayName: long, outgoing: null }),
      context().ctx,
    );
    const { fileName } = await checks['checks.export'](view.runId, 'markdown');
    const base = fileName.replace(/^sealcheck-/, '').replace(/-\d{4}-\d{2}-\d{2}\.md$/, '');
    expect(base).toMatch(/^[\w.-]+$/);
    expect(base).toHaveLength(60);
    expect(fileName).not.toMatch(/[/\\:<>"|?*\s]/);
  });

  it('a fingerprint from the view matches, in any common spelling', async () => {
    const r = await checks['checks.compareFingerprint'](runId, 0, sha256);
    expect(r).toMatchObject({ match: 'this-server', given: sha256 });
    expect(r.sentence).toBe(`It matches the certificate that ${HOST} shows here.`);
    const spelled = `SHA256 Fingerprint=${sha256.replaceAll(':', '').toLowerCase()}`;
    expect((await checks['checks.compareFingerprint'](runId, 0, spelled)).match).toBe(
      'this-server',
    );
    expect((await checks['checks.compareFingerprint'](runId, 0, sha1)).match).toBe('this-server');
    // The root, found in the trust store: part of the chain, not the server's own.
    expect((await checks['checks.compareFingerprint'](runId, 0, rootSha256)).match).toBe(
      'in-chain',
    );
  });

  it('a different fingerprint: "different", with what it may mean', async () => {
    const other = 'AB:'.repeat(31) + 'AB';
    const r = await checks['checks.compareFingerprint'](runId, 0, other);
    expect(r).toMatchObject({ match: 'different', given: other });
    expect(r.sentence).toBe(`It does not match any certificate that ${HOST} shows here.`);
    expect(r.meaning.length).toBeGreaterThan(0);
  });

  it('text that is no fingerprint: invalid-arguments', async () => {
    for (const text of ['hello', sha256.slice(0, 20), '', `${sha256}:00`]) {
      await publicError(checks['checks.compareFingerprint'](runId, 0, text), 'invalid-arguments');
    }
  });

  it('an unknown run, or an endpoint it does not have: not-found', async () => {
    await publicError(checks['checks.export']('no-such-run', 'markdown'), 'not-found');
    await publicError(checks['checks.compareFingerprint']('no-such-run', 0, sha256), 'not-found');
    await publicError(checks['checks.compareFingerprint'](runId, 5, sha256), 'not-found');
  });

  it('another instance (a restarted core) has no runs in memory', async () => {
    const fresh = checksFor(await dataDirectory());
    await publicError(fresh['checks.export'](runId, 'json'), 'not-found');
  });
});

describe('settings', () => {
  it('defaults; the timeout and roots persist in the data directory; labels only go out', async () => {
    const directory = await dataDirectory();
    const checks = checksFor(directory);
    expect(await checks['settings.get']()).toEqual({ timeoutSeconds: 30, extraRoots: [] });
    expect(await checks['settings.setTimeout'](60)).toBeNull();
    expect(await checks['settings.addRoot']('Company root', rootCa)).toBeNull();
    const intermediate = readFileSync(bed.intermediateCaFile, 'utf8');
    await checks['settings.addRoot']('Second', intermediate);
    expect(await checks['settings.get']()).toEqual({
      timeoutSeconds: 60,
      extraRoots: [{ label: 'Company root' }, { label: 'Second' }],
    });
    // On disk, and seen by a new instance.
    const file = JSON.parse(await readFile(join(directory, 'settings.json'), 'utf8')) as {
      schema: string;
      extraRoots: { label: string; pem: string }[];
    };
    expect(file.schema).toBe('sealcheck.settings/1');
    expect(file.extraRoots[0]?.pem).toBe(rootCa);
    const again = checksFor(directory);
    expect((await again['settings.get']()).timeoutSeconds).toBe(60);
    // The same label replaces the root; removing takes it out.
    await again['settings.addRoot']('Company root', intermediate);
    expect((await again['settings.get']()).extraRoots).toEqual([
      { label: 'Second' },
      { label: 'Company root' },
    ]);
    await again['settings.removeRoot']('Company root');
    await again['settings.removeRoot']('not there');
    expect((await checks['settings.get']()).extraRoots).toEqual([{ label: 'Second' }]);
  });

  it('refuses a file that holds no PEM certificate', async () => {
    const checks = checksFor(await dataDirectory());
    for (const pem of [
      '',
      'hello',
      '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----',
    ]) {
      await publicError(checks['settings.addRoot']('x', pem), 'invalid-arguments');
    }
    expect((await checks['settings.get']()).extraRoots).toEqual([]);
  });
});
