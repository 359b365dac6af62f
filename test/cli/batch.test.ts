/**
 * `sealcheck check --input` as a help desk runs it (node bin/sealcheck.mjs, a child process)
 * against the real bed: a CSV of several bed endpoints streamed as JSON lines, one per endpoint,
 * with progress on stderr only; the exit code over all of them; a bad row refused before
 * anything runs; JSON lines on stdin. Names stay real through --connect-to.
 */
import { execFile, spawn, type ExecFileException } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { findEndpoint, loadBed, type BedDescription, type BedEndpoint } from '../bed/endpoints';
import { bin, ensureCliBuilt, root } from './support/build-cli';

interface Outcome {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

function sealcheck(args: string[], stdin?: string): Promise<Outcome> {
  return new Promise((done) => {
    const child = execFile(
      process.execPath,
      [bin, ...args],
      { cwd: root, timeout: 90_000, maxBuffer: 32 * 1024 * 1024 },
      (err: ExecFileException | null, stdout, stderr) => {
        done({ code: typeof err?.code === 'number' ? err.code : err ? -1 : 0, stdout, stderr });
      },
    );
    child.stdin?.end(stdin ?? '');
  });
}

let bed: BedDescription;
let dir: string;

beforeAll(() => {
  bed = loadBed();
  ensureCliBuilt();
  dir = mkdtempSync(join(tmpdir(), 'sealcheck-batch-test-'));
}, 120_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

const GOOD = [
  'dovecot-imap-implicit-good',
  'dovecot-pop3-starttls-good',
  'dovecot-imap-starttls-good',
];
const PLAIN = 'dovecot-imap-none';

function connectTo(endpoints: readonly BedEndpoint[]): string[] {
  return [
    ...endpoints.flatMap((e) => ['--connect-to', `${e.serverName}:${e.port}:${e.host}:${e.port}`]),
    '--ca-file',
    bed.rootCaFile,
    '--no-scan',
  ];
}

function csvOf(endpoints: readonly BedEndpoint[]): string {
  // A BOM, CRLF, a blank line and a quoted field, as spreadsheets write them.
  return (
    '\uFEFFhost,protocol,port,tls\r\n' +
    endpoints
      .map(
        (e, i) =>
          `${i === 0 ? `"${e.serverName}"` : e.serverName},${e.protocol},${e.port},${e.security}`,
      )
      .join('\r\n\r\n') +
    '\r\n'
  );
}

interface Line {
  readonly input?: { readonly line: number };
  readonly status: string;
  readonly facts: { readonly target: { readonly port: number; readonly protocol: string } };
  readonly verdict: { readonly kind: string };
  readonly findings: readonly unknown[];
}

function lines(stdout: string): Line[] {
  return stdout
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Line);
}

describe('sealcheck check --input', () => {
  test('a CSV of bed endpoints with --jsonl: one line per endpoint, progress on stderr only, exit 0', async () => {
    const endpoints = GOOD.map((id) => findEndpoint(bed, id));
    const file = join(dir, 'good.csv');
    writeFileSync(file, csvOf(endpoints));
    const r = await sealcheck([
      'check',
      '--input',
      file,
      '--jsonl',
      '--progress',
      ...connectTo(endpoints),
    ]);
    const out = lines(r.stdout);
    expect(out).toHaveLength(endpoints.length);
    expect(out.map((l) => l.facts.target.port).sort()).toEqual(endpoints.map((e) => e.port).sort());
    for (const l of out) {
      expect(l.verdict.kind).toBe('encrypted-verified');
      expect(l.status).toBe('ok');
      expect(Array.isArray(l.findings)).toBe(true);
    }
    // The input line of each endpoint (blank lines between rows count).
    expect(out.map((l) => l.input?.line).sort()).toEqual([2, 4, 6]);
    const progress = r.stderr.split('\n').filter(Boolean);
    expect(progress).toHaveLength(endpoints.length);
    expect(progress[0]).toMatch(
      /^\[1\/3\] mail\.test\.example:\d+ (imap|pop3) encrypted-verified$/,
    );
    expect(r.stdout).not.toContain(bed.user.password);
    expect(r.code).toBe(0);
  });

  test('a plaintext endpoint among them: exit 1; without --progress and no TTY, stderr stays empty', async () => {
    const endpoints = [...GOOD, PLAIN].map((id) => findEndpoint(bed, id));
    const file = join(dir, 'mixed.csv');
    writeFileSync(file, csvOf(endpoints));
    const r = await sealcheck(['check', '--input', file, '--jsonl', ...connectTo(endpoints)]);
    const out = lines(r.stdout);
    expect(out).toHaveLength(4);
    expect(out.filter((l) => l.verdict.kind === 'not-encrypted')).toHaveLength(1);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(1);
  });

  test('a port nobody serves: could not check, exit 2 outranks 1; the human report covers all rows', async () => {
    const endpoints = [...GOOD, PLAIN].map((id) => findEndpoint(bed, id));
    const file = join(dir, 'closed.csv');
    writeFileSync(file, `${csvOf(endpoints)}127.0.0.1,imap,1,implicit\n`);
    const r = await sealcheck([
      'check',
      '--input',
      file,
      '--per-host',
      '1',
      ...connectTo(endpoints),
    ]);
    expect(r.stdout).toMatch(/5 endpoints: 3 ok, 1 with problems, 1 could not be checked\./);
    expect(r.code).toBe(2);
  });

  test('a bad row: exit 64 naming the line, before anything runs', async () => {
    const endpoints = GOOD.map((id) => findEndpoint(bed, id));
    const file = join(dir, 'bad.csv');
    writeFileSync(file, `${csvOf(endpoints)}mail.test.example,imap,99999,implicit\n`);
    const r = await sealcheck(['check', '--input', file, '--jsonl', ...connectTo(endpoints)]);
    expect(r.code).toBe(64);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`--input ${file}: line 7: 'port' must be a whole number`);
  });

  test('JSON lines on stdin with --input-format json', async () => {
    const endpoints = GOOD.slice(0, 2).map((id) => findEndpoint(bed, id));
    const stdin = endpoints
      .map((e) =>
        JSON.stringify({ host: e.serverName, protocol: e.protocol, port: e.port, tls: e.security }),
      )
      .join('\n');
    const r = await sealcheck(
      ['check', '--input', '-', '--input-format', 'json', '--jsonl', ...connectTo(endpoints)],
      stdin,
    );
    expect(lines(r.stdout)).toHaveLength(2);
    expect(r.code).toBe(0);
  });

  test('usage: --input - needs a format, --jsonl and --json do not mix', async () => {
    expect((await sealcheck(['check', '--input', '-'])).stderr).toContain('needs --input-format');
    const both = await sealcheck(['check', 'mail.test.example', '--jsonl', '--json']);
    expect(both.code).toBe(64);
  });

  test('Ctrl-C: what finished is printed, the rest is not waited for, exit 2', async () => {
    // A server that accepts and never says a word: its probe waits until cancelled.
    const held = new Set<Socket>();
    const silent = createServer((socket) => void held.add(socket));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', () => r()));
    const address = silent.address();
    if (address === null || typeof address === 'string') throw new Error('no port');
    try {
      const endpoints = GOOD.slice(0, 1).map((id) => findEndpoint(bed, id));
      const file = join(dir, 'cancel.csv');
      writeFileSync(file, `${csvOf(endpoints)}127.0.0.1,imap,${address.port},implicit\n`);
      const child = spawn(
        process.execPath,
        [bin, 'check', '--input', file, '--jsonl', '--timeout', '120', ...connectTo(endpoints)],
        { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let stdout = '';
      let sent = false; // one Ctrl-C: a second one kills at once
      const code = await new Promise<number | null>((resolve) => {
        child.stdout.on('data', (d: Buffer) => {
          stdout += d.toString();
          if (!sent && stdout.includes('\n') && held.size > 0) {
            sent = true;
            child.kill('SIGINT');
          }
        });
        child.on('exit', (c) => resolve(c));
      });
      const out = lines(stdout);
      expect(out.length).toBeGreaterThanOrEqual(1);
      expect(out[0]?.verdict.kind).toBe('encrypted-verified');
      expect(code).toBe(2);
    } finally {
      for (const s of held) s.destroy();
      await new Promise((r) => silent.close(r));
    }
  });
});
