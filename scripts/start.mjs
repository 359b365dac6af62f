#!/usr/bin/env node
/**
 * `npm start`: builds the app with electron-vite and opens the desktop window.
 *
 * The npm `electron` package fetches its binary on first use. Where that cannot happen
 * (offline, as on CI machines), or the window cannot open (no display, running as root
 * with the sandbox on), this says so in one sentence, points to the command line and
 * exits with 69 (EX_UNAVAILABLE), without a stack trace.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const require = createRequire(import.meta.url);
const EX_UNAVAILABLE = 69;
const CLI_HINT = 'the command line works without it: npx sealcheck --help';

function unavailable(sentence) {
  console.error(`${sentence}; ${CLI_HINT}`);
  process.exit(EX_UNAVAILABLE);
}

/** The Electron executable, or null. Resolved in a child so its download noise stays out of sight. */
function electronBinary() {
  const probe = spawnSync(
    process.execPath,
    ['-e', "process.stdout.write(String(require('electron')))"],
    {
      cwd: root,
      encoding: 'utf8',
      timeout: 600_000, // a first download on a slow line
    },
  );
  return probe.status === 0 && probe.stdout ? probe.stdout : null;
}

const electron = electronBinary();
if (!electron) {
  unavailable(
    'The Sealcheck desktop window needs the Electron binary, which could not be downloaded on this machine',
  );
}
if (process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) {
  unavailable(
    'The Sealcheck desktop window needs a graphical display, and none is available here (DISPLAY and WAYLAND_DISPLAY are unset)',
  );
}
if (process.platform === 'linux' && process.getuid?.() === 0) {
  unavailable(
    'Electron will not run as root with its sandbox on, and Sealcheck keeps the sandbox on, so start the window as a normal user',
  );
}

const electronVite = join(
  dirname(require.resolve('electron-vite/package.json')),
  'bin/electron-vite.js',
);
const build = spawnSync(process.execPath, [electronVite, 'build', '--logLevel', 'warn'], {
  cwd: root,
  stdio: 'inherit',
});
if (build.status !== 0) {
  console.error('npm start: the build failed (see above).');
  process.exit(build.status ?? 1);
}

const env = { ...process.env };
delete env.ELECTRON_RUN_AS_NODE; // would start a plain Node instead of the app
const child = spawn(electron, ['.'], { cwd: root, stdio: 'inherit', env });
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => child.kill(signal));
}
child.on('error', (err) =>
  unavailable(`The Electron binary could not be started (${err.message})`),
);
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
