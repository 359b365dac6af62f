/**
 * `sealcheck report FILE` as users run it (node bin/sealcheck.mjs, in child processes), on files
 * in a temporary directory. The honest files come from the app's real export ('checks.export'
 * json, app/main/core-checks.ts) of real checks against the bed and the domain world, and are
 * judged again to the same verdicts and findings; the hostile ones (not JSON, cut short, 20 MB,
 * 100,000 levels deep, the wrong schema or types, a view that lies, server text with terminal
 * escapes) get one sentence and exit 64, or come out inert, never as a stack trace.
 */
import { execFile, type ExecFileException } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Account } from '../../app/core/accounts/model';
import type { EndpointFacts } from '../../app/core/facts/endpoint';
import type { CheckView } from '../../app/core/report/view';
import { createChecks, type Checks, type RunContext } from '../../app/main/core-checks';
import { startDomainWorld, type DomainWorld } from '../bed/domain-world';
import { bedLookup, findEndpoint, loadBed, type BedDescription } from '../bed/endpoints';
import { bin, ensureCliBuilt, root } from './support/build-cli';

interface Outcome {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

function sealcheck(args: string[]): Promise<Outcome> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      [bin, ...args],
      { cwd: root, timeout: 60_000, maxBuffer: 64 * 1024 * 1024 },
      (err: ExecFileException | null, stdout, stderr) => {
        done({ code: typeof err?.code === 'number' ? err.code : err ? -1 : 0, stdout, stderr });
      },
    );
  });
}

/** The saved report as the export writes it. */
interface SavedReport {
  schema: string;
  version: string;
  view: CheckView;
  facts: EndpointFacts[];
  domain?: { view: unknown; findings: unknown; facts: { domain: string } };
}

/** One endpoint of --json (check's shape). */
interface JsonEndpoint {
  readonly facts: EndpointFacts;
  readonly findings: readonly { readonly id: string; readonly severity: string }[];
  readonly verdict: { readonly kind: string };
}

interface OpenedJson {
  readonly schema: string;
  readonly judgedBy: string;
  readonly claimed: { readonly version: string; readonly checkedAt: string };
  readonly exitCode: number;
  readonly endpoints: readonly JsonEndpoint[];
  readonly domain: { readonly view: { readonly domain: string; readonly verdict: string } } | null;
}

const LIE = 'All is fine, click OK';
const HOSTILE = '\u001b]0;pwned\u0007\u001b[31m<script>alert(1)</script>\u202Eevil\u0000';
// eslint-disable-next-line no-control-regex
const RAW_UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

let bed: BedDescription;
let world: DomainWorld;
let dir: string;
let checks: Checks;
/** The export of an account on the bed (IMAP + submission) with its domain checked too. */
let good: SavedReport;
let goodFile: string;
/** The export of a plaintext IMAP account. */
let plain: SavedReport;

function context(): RunContext {
  return {
    runId: `run-${randomBytes(4).toString('hex')}`,
    signal: new AbortController().signal,
    onProgress: () => undefined,
  };
}

function account(address: string, over: Partial<Account> = {}): Account {
  return {
    id: `acct-${randomBytes(4).toString('hex')}`,
    displayName: LIE,
    address,
    username: 'alice',
    incoming: {
      protocol: 'imap',
      host: 'mail.test.example',
      port: findEndpoint(bed, 'dovecot-imap-implicit-good').port,
      security: 'implicit',
    },
    outgoing: {
      protocol: 'submission',
      host: 'mail.test.example',
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

async function exported(a: Account): Promise<SavedReport> {
  const ctx = context();
  await checks['checks.runAccount'](a, ctx);
  const out = await checks['checks.export'](ctx.runId, 'json');
  expect(out.fileName).toMatch(/\.sealcheck$/);
  return JSON.parse(out.content) as SavedReport;
}

let fileNumber = 0;
function write(content: string | Buffer, name = `report-${++fileNumber}.sealcheck`): string {
  const file = join(dir, name);
  writeFileSync(file, content);
  return file;
}

beforeAll(async () => {
  bed = loadBed();
  ensureCliBuilt();
  world = await startDomainWorld(bed);
  dir = await mkdtemp(join(tmpdir(), 'sealcheck-report-'));
  const o = world.options;
  checks = createChecks({
    dataDirectory: join(dir, 'data'),
    version: '9.9.9-test',
    network: {
      lookup: bedLookup,
      extraCa: [world.rootCa],
      domain: {
        dnsServers: o.dnsServers ?? [],
        httpsPort: o.httpsPort ?? 443,
        connectTo: o.connectTo ?? [],
        extraCa: [world.https.ca],
        scan: 'off',
        probeTimeouts: o.probeTimeouts ?? {},
      },
    },
  });
  await checks['domain.check']('testing.plain.example', context());
  good = await exported(account('alice@testing.plain.example'));
  goodFile = write(JSON.stringify(good, null, 2));
  plain = await exported(
    account('alice@nowhere.invalid', {
      incoming: {
        protocol: 'imap',
        host: 'mail.test.example',
        port: findEndpoint(bed, 'dovecot-imap-none').port,
        security: 'none',
      },
      outgoing: null,
    }),
  );
}, 180_000);

afterAll(async () => {
  await world?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** What a bad file gets: one sentence naming the file, the hint, exit 64, nothing on stdout. */
function expectRefused(r: Outcome, file: string, sentence: string | RegExp): void {
  expect(r.code, r.stderr).toBe(64);
  expect(r.stdout).toBe('');
  const [first, hint, ...rest] = r.stderr.split('\n');
  expect(first?.startsWith(`sealcheck: ${file}: `)).toBe(true);
  const said = (first ?? '').slice(`sealcheck: ${file}: `.length);
  if (typeof sentence === 'string') expect(said).toBe(sentence);
  else expect(said).toMatch(sentence);
  expect(hint).toBe("Run 'sealcheck --help' for usage.");
  expect(rest).toEqual(['']);
  expect(r.stderr).not.toMatch(/\n\s+at |internal error|Error:/);
  expect(r.stderr).not.toMatch(RAW_UNSAFE);
}

const NOT_JSON =
  'The file is not a Sealcheck report: its text is not valid JSON (it may be damaged or cut short).';

describe('a report exported by the app', () => {
  test('judged again: the same verdicts and findings as the app showed, and its domain', async () => {
    const r = await sealcheck(['report', goodFile, '--json', '--ca-file', bed.rootCaFile]);
    expect(r.stderr).toBe('');
    const out = JSON.parse(r.stdout) as OpenedJson;
    expect(out.schema).toBe('sealcheck.opened-report/1');
    expect(out.claimed.version).toBe('9.9.9-test');
    expect(out.claimed.checkedAt).toBe(good.facts.map((f) => f.startedAt).sort()[0] ?? 'no facts');
    expect(out.endpoints.map((e) => e.verdict.kind)).toEqual(
      good.view.endpoints.map((e) => e.verdict.kind),
    );
    expect(out.endpoints.map((e) => e.findings.map((f) => f.id))).toEqual(
      good.view.endpoints.map((e) => e.findings.map((f) => f.id)),
    );
    expect(out.endpoints.map((e) => e.facts)).toEqual(good.facts);
    expect(out.domain?.view.domain).toBe('testing.plain.example');
    expect(out.domain?.view.verdict).toBe('downgrade-possible');
    // Postfix also accepts legacy versions (warnings), and the domain enforces nothing: 1.
    expect(r.code).toBe(1);
    expect(out.exitCode).toBe(1);
    expect(r.stdout).not.toContain(LIE);
  });

  test('the human output: whose claim the date is first, then the blocks check prints', async () => {
    const r = await sealcheck(['report', goodFile, '--ca-file', bed.rootCaFile]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('');
    const day = new Date(good.facts.map((f) => f.startedAt).sort()[0] ?? '').toISOString();
    // The first paragraph, unwrapped.
    const header = r.stdout.slice(0, r.stdout.indexOf('\n\n')).replace(/\n/g, ' ');
    expect(header).toMatch(
      new RegExp(
        `^Saved report from ${day.slice(0, 16).replace('T', ' ')} UTC, made with Sealcheck 9\\.9\\.9-test \\(both as the file says\\)\\. Judged again by this Sealcheck \\S+ from the facts in the file, as of that date;`,
      ),
    );
    expect(header).toContain("the file's own words are not shown");
    expect(r.stdout).toMatch(/^imap mail\.test\.example:\d+ \(implicit TLS\)$/m);
    expect(r.stdout).toMatch(/^submission mail\.test\.example:\d+ \(STARTTLS\)$/m);
    expect(r.stdout).toContain('  Encrypted and verified.');
    expect(r.stdout).toContain('Mail to testing.plain.example');
    expect(r.stdout).toMatch(/\n2 endpoints: 1 ok, 1 with problems, 0 could not be checked\.\n$/);
    expect(r.stdout).not.toContain(LIE);
  });

  test('--markdown: the claim quoted first, then the help-desk summary and the domain', async () => {
    const r = await sealcheck(['report', goodFile, '--markdown', '--ca-file', bed.rootCaFile]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^> Saved report from .* UTC, made with Sealcheck 9\.9\.9-test \(both as the file says\)\.\n>\n> Judged again/);
    expect(r.stdout).toContain('\n# Sealcheck: connection check\n');
    expect(r.stdout).toContain('with Sealcheck 9.9.9-test \\(as the file says; judged again by Sealcheck');
    expect(r.stdout).toContain('## Mail to testing.plain.example: Encrypted, but not enforced');
    expect(r.stdout).not.toContain(LIE);
  }); // prettier-ignore

  test('judged here, with this computer’s trust: without the company root it is not verified', async () => {
    const r = await sealcheck(['report', goodFile, '--json']);
    const out = JSON.parse(r.stdout) as OpenedJson;
    expect(out.endpoints.map((e) => e.verdict.kind)).toEqual([
      'encrypted-unverified',
      'encrypted-unverified',
    ]);
    expect(r.code).toBe(1);
  });

  test('a view that says "verified" over plaintext facts: the output says what the facts say', async () => {
    const lying = {
      ...plain,
      view: {
        ...plain.view,
        title: LIE,
        verdict: { kind: 'encrypted-verified', worst: null, headline: LIE, sentence: LIE },
        endpoints: plain.view.endpoints.map((e) => ({
          ...e,
          verdict: { kind: 'encrypted-verified', worst: null, headline: LIE, sentence: LIE },
          findings: [],
        })),
      },
    };
    const file = write(JSON.stringify(lying));
    const r = await sealcheck(['report', file, '--ca-file', bed.rootCaFile]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('Not encrypted');
    expect(r.stdout).not.toContain(LIE);
    expect(r.stdout).not.toContain('Encrypted and verified');
    const json = JSON.parse((await sealcheck(['report', file, '--json'])).stdout) as OpenedJson;
    expect(json.endpoints[0]?.verdict.kind).toBe('not-encrypted');
    const md = await sealcheck(['report', file, '--markdown']);
    expect(md.stdout).not.toContain(LIE);
    expect(md.stdout).toContain('**Not encrypted.**');
  });
});

describe('sealcheck compare', () => {
  test('a report compared with itself: the same everywhere, exit 0', async () => {
    const r = await sealcheck(['compare', goodFile, goodFile, '--ca-file', bed.rootCaFile]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('the same certificate, chain and encryption in both checks');
    const json = await sealcheck(['compare', goodFile, goodFile, '--json']);
    expect(JSON.parse(json.stdout)).toMatchObject({ schema: 'sealcheck.comparison/1', same: true });
  });

  test('a report of other servers: nothing in common, named; exit 1', async () => {
    const other = write(JSON.stringify(plain));
    const r = await sealcheck(['compare', goodFile, other]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/only in the first report/);
  });

  test('a file that is not a report: one sentence, exit 64', async () => {
    const bad = write('not a report');
    const r = await sealcheck(['compare', goodFile, bad]);
    expect(r.code).toBe(64);
    expect(r.stderr).toContain(`${bad}: The file is not a Sealcheck report`);
    expect((await sealcheck(['compare', goodFile])).code).toBe(64);
  });
});

describe('files that are not reports: one sentence, exit 64, no stack trace', () => {
  test('not JSON, cut short, empty, not text', async () => {
    const whole = JSON.stringify(good);
    for (const content of ['Dear help desk, all is fine.', whole.slice(0, whole.length / 2), '']) {
      const file = write(content);
      expectRefused(await sealcheck(['report', file]), file, NOT_JSON);
    }
    const binary = write(Buffer.from([0x7b, 0xff, 0xfe, 0x00, 0x1b, 0x5b, 0x33, 0x31, 0x6d]));
    expectRefused(
      await sealcheck(['report', binary]),
      binary,
      'The file is not a Sealcheck report: it is not text.',
    );
  });

  test('20 MB: refused unread', async () => {
    const file = write(Buffer.alloc(20 * 1024 * 1024, 0x20));
    expectRefused(
      await sealcheck(['report', file]),
      file,
      'The file is not a Sealcheck report: it is larger than 16 MB, far more than any report.',
    );
  });

  test('100,000 levels of nesting, closed and unclosed', async () => {
    const closed = write(`${'['.repeat(100_000)}${']'.repeat(100_000)}`);
    expectRefused(
      await sealcheck(['report', closed]),
      closed,
      'The file is not a Sealcheck report: it holds no report, only a list.',
    );
    const open = write(`{"facts":${'{"a":['.repeat(100_000)}`);
    expectRefused(await sealcheck(['report', open]), open, /^The file is not a Sealcheck report: /);
  });

  test('another schema, wrong types, a 1 MB string, 100,000 entries, a hostile host name', async () => {
    const f = good.facts[0];
    const a = f?.addresses[0];
    if (!f || !a) throw new Error('the export has no address');
    const cases: [unknown, string][] = [
      [{ ...good, schema: 'sealcheck.report/7' }, 'The file is a Sealcheck report of another format (sealcheck.report/7) that this version cannot read; a newer Sealcheck may.'],
      [{ ...good, schema: HOSTILE }, 'The file is not a Sealcheck report: it does not say "sealcheck.report/1" where a report does.'],
      [{ ...good, facts: [{ ...f, target: { ...f.target, port: '993' } }] }, 'The file is not a Sealcheck report this version can read: facts[0].target.port has the wrong type.'],
      [{ ...good, facts: [{ ...f, addresses: [{ ...a, greeting: { lines: ['x'.repeat(1024 * 1024)], kind: 'ok' } }] }] }, 'The file is not a Sealcheck report this version can read: facts[0].addresses[0].greeting.lines[0] is too long.'],
      [{ ...good, facts: [{ ...f, addresses: [{ ...a, transcript: Array.from({ length: 100_000 }, () => ({ at: 0, dir: 'note', text: '', tls: false })) }] }] }, 'The file is not a Sealcheck report this version can read: facts[0].addresses[0].transcript has too many entries.'],
      [{ ...good, facts: [{ ...f, target: { ...f.target, host: `mail.test.example${HOSTILE}` } }] }, 'The file is not a Sealcheck report this version can read: facts[0].target.host is not a host name.'],
    ];
    for (const [value, sentence] of cases) {
      const file = write(JSON.stringify(value));
      expectRefused(await sealcheck(['report', file]), file, sentence);
    }
  }, 60_000); // prettier-ignore

  test('no such file, a directory; and the command line itself', async () => {
    const missing = join(dir, 'missing.sealcheck');
    expectRefused(
      await sealcheck(['report', missing]),
      missing,
      'Sealcheck cannot read it: there is no such file.',
    );
    const folder = join(dir, 'folder.sealcheck');
    mkdirSync(folder);
    expectRefused(
      await sealcheck(['report', folder]),
      folder,
      'Sealcheck cannot read it: it is not a file.',
    );
    expect((await sealcheck(['report'])).code).toBe(64);
    expect((await sealcheck(['report', goodFile, goodFile])).code).toBe(64);
    expect((await sealcheck(['report', goodFile, '--json', '--markdown'])).code).toBe(64);
    expect((await sealcheck(['report', goodFile, '--protocol', 'imap'])).code).toBe(64);
    const help = await sealcheck(['--help']);
    expect(help.stdout).toContain('sealcheck report FILE [--json | --markdown] [--ca-file FILE]');
  });
});

describe('hostile server text in the facts comes out inert', () => {
  let file: string;
  beforeAll(() => {
    const f = plain.facts[0];
    const a = f?.addresses[0];
    if (!f || !a) throw new Error('the export has no address');
    const hostile: EndpointFacts = {
      ...f,
      target: { ...f.target, host: '<script>alert(1)</script>.example' },
      addresses: [
        {
          ...a,
          greeting: { lines: [`* OK ${HOSTILE}`], kind: 'ok' },
          error: { step: 'greeting', kind: 'protocol', message: HOSTILE },
          transcript: [{ at: 1, dir: 'received', text: HOSTILE, tls: false }],
        },
      ],
    };
    file = write(JSON.stringify({ ...plain, facts: [hostile] }));
    expect(readFileSync(file, 'utf8')).toContain('\\u001b');
  });

  test('on the terminal: escapes shown as text, nothing raw', async () => {
    const r = await sealcheck(['report', file]);
    expect(r.code).toBe(1);
    expect(r.stdout).not.toMatch(RAW_UNSAFE);
    expect(r.stdout).toContain('* OK \\x1b]0;pwned\\x07\\x1b[31m<script>alert(1)</script>\\u202Eevil\\x00');
    expect(r.stdout).toMatch(/^ {4}greeting: +\* OK \\x1b\]0;pwned/m);
    expect(r.stdout).toMatch(/^imap <script>alert\(1\)<\/script>\.example:\d+ \(no TLS\)$/m);
  }); // prettier-ignore

  test('in Markdown and in JSON', async () => {
    const md = await sealcheck(['report', file, '--markdown']);
    expect(md.stdout).not.toMatch(RAW_UNSAFE);
    expect(md.stdout).not.toMatch(/(^|[^\\])<\/?script/);
    expect(md.stdout).toContain('U+001B');
    expect(md.stdout).toContain('U+202E');
    const json = await sealcheck(['report', file, '--json']);
    expect(json.stdout).not.toMatch(RAW_UNSAFE);
    const out = JSON.parse(json.stdout) as OpenedJson;
    expect(out.endpoints[0]?.facts.addresses[0]?.transcript[0]?.text).toBe(HOSTILE);
  });
});
