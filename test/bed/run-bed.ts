/**
 * Runs the test bed as its own process, for scripts/test.mjs (one bed per `npm test`):
 *
 *   npx tsx test/bed/run-bed.ts [--ready-file <path>]
 *
 * Starts the bed, then writes the path of its bed.json into the ready file (atomically) and
 * prints `SEALCHECK_BED=<path>` on stdout. Runs until SIGTERM/SIGINT/SIGHUP or until its stdin
 * (when it is a pipe) closes, then stops every server and removes the bed dir.
 * Exits 1 if the bed cannot start.
 */
import { fstatSync } from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { BED_ENV } from './endpoints';
import { startBed, type RunningBed } from './index';

const { values } = parseArgs({
  options: { 'ready-file': { type: 'string' } },
  strict: true,
});
const readyFile = values['ready-file'];

let bed: RunningBed | undefined;
let stopping = false;

async function shutdown(reason: string, code: number): Promise<never> {
  if (!stopping) {
    stopping = true;
    console.error(`[bed] stopping (${reason})`);
    const timer = setTimeout(() => {
      console.error('[bed] stop took too long; exiting');
      process.exit(code || 1); // the exit handler kills what is left
    }, 15_000);
    timer.unref();
    await bed?.stop();
  }
  process.exit(code);
}

for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(signal, () => void shutdown(signal, 0));
}

/** Stdin closing means our parent is done with us, but only when stdin is a pipe or socket. */
function watchStdin(): void {
  let stat;
  try {
    stat = fstatSync(0);
  } catch {
    return;
  }
  if (!stat.isFIFO() && !stat.isSocket()) return;
  process.stdin.on('data', () => {
    // input is ignored; we only wait for the end
  });
  process.stdin.once('end', () => void shutdown('stdin closed', 0));
  process.stdin.once('error', () => void shutdown('stdin error', 0));
}

try {
  bed = await startBed({ handleSignals: false });
} catch (err) {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
}
if (stopping) {
  await shutdown('stopped during start', 0);
}
if (readyFile) {
  await writeFile(`${readyFile}.tmp`, bed.file + '\n');
  await rename(`${readyFile}.tmp`, readyFile);
}
console.log(`${BED_ENV}=${bed.file}`);
watchStdin();
// Keep the event loop alive even when nothing else does (stdin not watched).
setInterval(() => {}, 1 << 30);
