#!/usr/bin/env node
/**
 * `npm test`: every check and every suite, against the real bed, in one private keyring session.
 *
 * 1. Re-runs itself inside a private D-Bus session with an unlocked gnome-keyring
 *    (scripts/with-keyring.sh), so keychain tests hit a real Secret Service and never the user's.
 * 2. Static checks: ESLint + Prettier, TypeScript, svelte-check, Electron security scan, and
 *    npm audit of the production dependencies against a reviewed allow-list (scripts/audit.ts).
 * 3. Builds the app and the CLI once.
 * 4. Starts the real-server bed once (Dovecot, Postfix, Prosody) and publishes it via SEALCHECK_BED.
 * 5. Runs Vitest (unit + integration) and Playwright (UI in Chromium) against it.
 * 6. Prints one line "total: N passed, N failed, N skipped" and exits non-zero on any failure
 *    or on a suite that ran no test.
 *
 * Options: --only=<step,...> runs a subset (lint, typecheck, security, build, vitest, e2e);
 * arguments after `--` go to Vitest.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

const root = resolve(import.meta.dirname, '..');
const results = join(root, 'test-results');
const argv = process.argv.slice(2);
const dashdash = argv.indexOf('--');
const passthrough = dashdash >= 0 ? argv.slice(dashdash + 1) : [];
const onlyArg = argv.find((a) => a.startsWith('--only='));
const only = onlyArg ? new Set(onlyArg.slice('--only='.length).split(',')) : null;
const wanted = (step) => only === null || only.has(step);

if (process.env.SEALCHECK_KEYRING !== '1') {
  // Step 1: into a private keyring session, then come back here.
  const code = await run('bash', [
    join(root, 'scripts/with-keyring.sh'),
    process.execPath,
    import.meta.filename,
    ...argv,
  ]);
  process.exit(code);
}

mkdirSync(results, { recursive: true });
/** @type {{ name: string; passed: number; failed: number; skipped: number; note?: string; said?: boolean }[]} */
const suites = [];
const started = Date.now();

if (wanted('lint')) {
  await check('lint', 'npx', ['eslint', '.']);
  await check('format', 'npx', ['prettier', '--check', '.']);
}
if (wanted('typecheck')) {
  await check('typecheck', 'npx', ['tsc', '-p', 'tsconfig.node.json', '--noEmit']);
  await check('typecheck-e2e', 'npx', ['tsc', '-p', 'e2e/tsconfig.json', '--noEmit']);
  await check('svelte-check', 'npx', [
    'svelte-check',
    '--tsconfig',
    './tsconfig.web.json',
    '--fail-on-warnings',
  ]);
}
if (wanted('security')) {
  await check('electron-security', process.execPath, ['scripts/electronegativity.mjs']);
  // Exit 3: no advisory service reachable (counted as skipped, never as passed).
  await check('supply-chain', 'npx', ['tsx', 'scripts/audit.ts'], { skipCode: 3 });
}
if (wanted('build') || wanted('vitest') || wanted('e2e')) {
  await check('build', 'npm', ['run', '--silent', 'build']);
}

let bed = null;
if (wanted('vitest') || wanted('e2e')) {
  bed = await startBed();
}

try {
  if (wanted('vitest')) {
    const file = join(results, 'vitest.json');
    rmSync(file, { force: true });
    const code = await run('npx', [
      'vitest',
      'run',
      '--reporter=default',
      '--reporter=json',
      `--outputFile.json=${file}`,
      ...passthrough,
    ]);
    suites.push(readVitest(file, code));
  }
  if (wanted('e2e')) {
    const file = join(results, 'e2e-report.json');
    rmSync(file, { force: true });
    const code = await run('npx', ['playwright', 'test'], { PLAYWRIGHT_JSON_OUTPUT_NAME: file });
    suites.push(readPlaywright(file, code));
  }
} finally {
  await bed?.stop();
}

// Summary: one line per suite, then the one total line CI reads.
let passed = 0;
let failed = 0;
let skipped = 0;
console.log('\n── Sealcheck test summary ──');
for (const s of suites) {
  // A suite that ran no test is a failure, unless the check itself said why it could not run.
  const empty = s.passed + s.failed === 0 && s.said !== true;
  if (empty) s.failed = 1;
  passed += s.passed;
  failed += s.failed;
  skipped += s.skipped;
  const mark = s.failed > 0 ? '✗' : '✓';
  const note = empty ? ' (ran no test)' : s.note ? ` (${s.note})` : '';
  console.log(
    `${mark} ${s.name}: ${s.passed} passed, ${s.failed} failed, ${s.skipped} skipped${note}`,
  );
}
console.log(`   in ${((Date.now() - started) / 1000).toFixed(1)} s`);
console.log(`total: ${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 ? 1 : 0);

// ── helpers ──────────────────────────────────────────────────────────────

/** Runs a command with inherited output; resolves with its exit code. */
function run(command, args, extraEnv = {}) {
  return new Promise((resolveRun) => {
    const child = spawn(command, args, {
      cwd: root,
      stdio: 'inherit',
      env: { ...process.env, ...extraEnv },
    });
    child.once('error', (err) => {
      console.error(`test: could not start ${command}: ${err.message}`);
      resolveRun(127);
    });
    child.once('exit', (code, signal) => resolveRun(code ?? (signal ? 128 : 1)));
  });
}

/** A static check counts as one test: it passed or it failed. */
async function check(name, command, args, { skipCode } = {}) {
  console.log(`\n── ${name} ──`);
  const code = await run(command, args);
  if (skipCode !== undefined && code === skipCode) {
    suites.push({ name, passed: 0, failed: 0, skipped: 1, note: 'could not run here', said: true });
    return;
  }
  suites.push({ name, passed: code === 0 ? 1 : 0, failed: code === 0 ? 0 : 1, skipped: 0 });
}

async function startBed() {
  console.log('\n── starting the real-server bed ──');
  const dir = await mkdtemp(join(tmpdir(), 'sealcheck-bed-ready-'));
  const ready = join(dir, 'ready');
  const child = spawn('npx', ['tsx', 'test/bed/run-bed.ts', '--ready-file', ready], {
    cwd: root,
    stdio: ['pipe', 'inherit', 'inherit'],
    env: process.env,
    detached: true,
  });
  let exited = false;
  child.once('exit', () => (exited = true));
  const deadline = Date.now() + 120_000;
  while (!existsSync(ready) || readFileSync(ready, 'utf8').trim() === '') {
    if (exited || Date.now() > deadline) {
      console.error('test: the bed did not start (see its output above)');
      suites.push({ name: 'bed', passed: 0, failed: 1, skipped: 0 });
      return null;
    }
    await sleep(100);
  }
  const file = readFileSync(ready, 'utf8').trim();
  process.env.SEALCHECK_BED = file;
  console.log(`bed ready: ${file}`);
  return {
    async stop() {
      if (!exited) {
        child.stdin.end(); // run-bed stops when stdin closes
        const gone = await Promise.race([
          new Promise((r) => child.once('exit', () => r(true))),
          sleep(15_000).then(() => false),
        ]);
        if (!gone) {
          try {
            process.kill(-child.pid, 'SIGKILL');
          } catch {
            // already gone
          }
        }
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function readVitest(file, code) {
  if (!existsSync(file))
    return { name: 'vitest', passed: 0, failed: 1, skipped: 0, note: `no report, exit ${code}` };
  const r = JSON.parse(readFileSync(file, 'utf8'));
  const failedSuites = (r.testResults ?? []).filter(
    (t) => t.status === 'failed' && (t.assertionResults ?? []).length === 0,
  ).length;
  const suite = {
    name: 'vitest',
    passed: r.numPassedTests ?? 0,
    failed: (r.numFailedTests ?? 0) + failedSuites,
    skipped: (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0),
  };
  if (code !== 0 && suite.failed === 0) {
    suite.failed = 1;
    suite.note = `runner exited ${code}`;
  }
  return suite;
}

function readPlaywright(file, code) {
  if (!existsSync(file))
    return {
      name: 'playwright',
      passed: 0,
      failed: 1,
      skipped: 0,
      note: `no report, exit ${code}`,
    };
  const r = JSON.parse(readFileSync(file, 'utf8'));
  const s = r.stats ?? {};
  const suite = {
    name: 'playwright',
    passed: (s.expected ?? 0) + (s.flaky ?? 0),
    failed: s.unexpected ?? 0,
    skipped: s.skipped ?? 0,
  };
  if (code !== 0 && suite.failed === 0) {
    suite.failed = 1;
    suite.note = `runner exited ${code}`;
  }
  return suite;
}
