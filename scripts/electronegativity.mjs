#!/usr/bin/env node
/**
 * `npm run security`: runs electronegativity over our Electron sources (app/**, the renderer's
 * TypeScript and renderer/index.html: it cannot parse the built Svelte bundle) and fails on
 * any finding that is not on the allow-list below, each entry with its reason.
 *
 * electronegativity exits 0 even with findings, so we read its SARIF report. It also tries to
 * download translations and Electron's release list (with retries: ~10 s here, offline); we
 * preload a stand-in for its HTTP client that fails at once, which changes no check.
 *
 * Options: --sarif <file> keeps a copy of the report (for CI artefacts).
 * Exit codes: 0 clean, 1 unexpected findings, 2 the scanner itself failed.
 */
import { spawnSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const require = createRequire(import.meta.url);

/**
 * Findings we accept, matched by rule, file and (optionally) message. Keep each reason
 * specific; an entry that no longer matches anything is reported so the list stays short.
 */
const ALLOW = [
  {
    rule: 'CONTEXT_ISOLATION_JS_CHECK',
    file: 'app/main/index.ts',
    reason:
      'webPreferences are spread from SECURE_WEB_PREFERENCES (app/main/hardening.ts: contextIsolation true), which the tool cannot follow; test/app/hardening.test.ts asserts the object and that the window uses it.',
  },
  {
    rule: 'SANDBOX_JS_CHECK',
    file: 'app/main/index.ts',
    reason:
      'sandbox: true comes from SECURE_WEB_PREFERENCES (see above), and app.enableSandbox() sandboxes every renderer anyway (hardenApp).',
  },
  {
    rule: 'AUXCLICK_JS_CHECK',
    file: 'app/main/index.ts',
    reason:
      "disableBlinkFeatures: 'Auxclick' comes from SECURE_WEB_PREFERENCES (see above); new windows are denied by setWindowOpenHandler as well.",
  },
  {
    rule: 'PRELOAD_JS_CHECK',
    file: 'app/main/index.ts',
    reason:
      'Our own bundled preload exposes only the contract through contextBridge; test/app/preload.test.ts loads the built file and checks exactly what it exposes.',
  },
  {
    rule: 'OPEN_EXTERNAL_JS_CHECK',
    file: 'app/main/hardening.ts',
    reason:
      'openExternal is reached only through openIfSafe(), after isSafeExternalUrl() (https, no credentials, no port), which is unit-tested.',
  },
  {
    rule: 'OPEN_EXTERNAL_JS_CHECK',
    file: 'app/main/index.ts',
    reason:
      'shell.openExternal is only handed to hardenApp(), which calls it through openIfSafe() (see above).',
  },
  {
    rule: 'CSP_GLOBAL_CHECK',
    file: 'renderer/index.html',
    message: 'One or more CSP directives detected seems to be vulnerable',
    reason:
      'A "maybe weak" note: the evaluator flags script-src \'self\' (a risk where the origin hosts JSONP or uploads; app:// serves only our built bundle) and does not know the Trusted Types directives. The policy is asserted in test/app/hardening.test.ts.',
  },
];

const args = process.argv.slice(2);
const sarifCopy = args[0] === '--sarif' ? args[1] : undefined;

/** Copies the files worth scanning into `dest`, keeping their paths. */
function collect(dest) {
  const files = [];
  const walk = (dir) => {
    for (const entry of readdirSync(join(root, dir), { withFileTypes: true })) {
      const rel = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== 'node_modules' && entry.name !== 'fixtures') walk(rel);
      } else if (
        /\.(ts|mts|cts|js|mjs|cjs)$/.test(entry.name) &&
        !/\.test\.[cm]?[jt]s$/.test(entry.name)
      ) {
        files.push(rel);
      }
    }
  };
  walk('app');
  if (existsSync(join(root, 'renderer/src'))) walk('renderer/src');
  files.push('renderer/index.html');
  for (const rel of files) {
    mkdirSync(dirname(join(dest, rel)), { recursive: true });
    copyFileSync(join(root, rel), join(dest, rel));
  }
  return files.length;
}

const work = mkdtempSync(join(tmpdir(), 'sealcheck-electronegativity-'));
try {
  const scanDir = join(work, 'src');
  const count = collect(scanDir);
  const sarif = join(work, 'report.sarif');
  const offline = join(work, 'offline-http.cjs');
  writeFileSync(
    offline,
    [
      "const Module = require('node:module');",
      'const load = Module._load;',
      "const offline = () => Promise.reject(new Error('offline'));",
      'offline.head = offline;',
      'offline.get = offline;',
      "Module._load = function (request, ...rest) { return request === 'got' ? { __esModule: true, default: offline } : load.call(this, request, ...rest); };",
      '',
    ].join('\n'),
  );

  const cli = join(
    dirname(require.resolve('@doyensec/electronegativity/package.json')),
    'dist/index.js',
  );
  const electronVersion = JSON.parse(
    readFileSync(require.resolve('electron/package.json'), 'utf8'),
  ).version;
  const run = spawnSync(
    process.execPath,
    ['-r', offline, cli, '-i', scanDir, '-e', electronVersion, '-r', '-v', 'false', '-o', sarif],
    { cwd: work, encoding: 'utf8', timeout: 120_000 },
  );
  if (run.status !== 0 || !existsSync(sarif)) {
    process.stderr.write(
      `${run.stdout ?? ''}${run.stderr ?? ''}${run.error ? String(run.error) : ''}\n`,
    );
    console.error('electronegativity: the scanner failed to run (see above).');
    process.exit(2);
  }
  if (sarifCopy) copyFileSync(sarif, resolve(sarifCopy));

  const report = JSON.parse(readFileSync(sarif, 'utf8'));
  const results = report.runs?.flatMap((r) => r.results ?? []) ?? [];
  const used = new Set();
  const unexpected = [];
  for (const result of results) {
    const loc = result.locations?.[0]?.physicalLocation;
    const file = relative('.', loc?.artifactLocation?.uri ?? 'N/A');
    const message = result.message?.text ?? '';
    const entry = ALLOW.find(
      (a) =>
        a.rule === result.ruleId &&
        a.file === file &&
        (a.message === undefined || a.message === message),
    );
    if (entry) used.add(entry);
    else
      unexpected.push(
        `  ${result.ruleId} (${result.level}) ${file}:${loc?.region?.startLine ?? 0} ${message}`,
      );
  }

  for (const entry of ALLOW.filter((a) => !used.has(a))) {
    console.warn(
      `electronegativity: allow-list entry ${entry.rule} ${entry.file} matched nothing; remove it?`,
    );
  }
  if (unexpected.length > 0) {
    console.error(unexpected.join('\n'));
    console.error(
      `electronegativity: ${unexpected.length} unexpected finding(s), ${results.length - unexpected.length} allowed, in ${count} files (Electron ${electronVersion}).`,
    );
    process.exit(1);
  }
  console.log(
    `electronegativity: no unexpected findings in ${count} files (Electron ${electronVersion}); ${results.length} allowed, each with its reason in scripts/electronegativity.mjs.`,
  );
} finally {
  rmSync(work, { recursive: true, force: true });
}
