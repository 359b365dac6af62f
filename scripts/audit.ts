/**
 * `npm run audit`: `npm audit --omit=dev` against the policy in audit-policy.ts and the reviewed
 * allow-list scripts/audit-allowlist.json.
 *
 * Exit codes: 0 nothing blocks; 1 a high or critical advisory is not (or no longer) allowed, or
 * the allow-list is malformed; 3 the audit could not run (no advisory service reachable: this
 * workplace's registry mirror answers the bulk-advisory request with 405), said in one line and
 * counted as skipped by `npm test`, never as passed.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { advisoriesOf, decide, parseAllowList, passes, type Advisory } from './audit-policy';

const root = resolve(import.meta.dirname, '..');
const allowFile = join(root, 'scripts', 'audit-allowlist.json');

function line(a: Advisory): string {
  return `${a.severity.padEnd(8)} ${a.package}: ${a.title} (${a.ghsa ?? a.source ?? 'no id'}) ${a.url}`;
}

let allow;
try {
  allow = parseAllowList(JSON.parse(readFileSync(allowFile, 'utf8')));
} catch (err) {
  console.error(`audit: ${allowFile}: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
}

const run = spawnSync('npm', ['audit', '--omit=dev', '--json'], {
  cwd: root,
  encoding: 'utf8',
  maxBuffer: 64 * 1024 * 1024,
  timeout: 120_000,
});
let report: unknown;
try {
  report = JSON.parse(run.stdout);
} catch {
  report = null;
}
const reportObject = typeof report === 'object' && report !== null ? report : {};
if (!('vulnerabilities' in reportObject)) {
  const why =
    'message' in reportObject && typeof reportObject.message === 'string'
      ? reportObject.message
      : (run.error?.message ?? run.stderr.trim().split('\n').at(-1) ?? 'no report');
  console.log(`audit: could not run (the advisory service is not reachable: ${why}); skipped`);
  process.exit(3);
}

const today = new Date().toISOString().slice(0, 10);
const decision = decide(advisoriesOf(report), allow, today);
for (const a of decision.blocking) console.log(`BLOCKING ${line(a)}`);
for (const { advisory, entry } of decision.expired) {
  console.log(`EXPIRED  ${line(advisory)} (allowed until ${entry.expires}: review it again)`);
}
for (const { advisory, entry } of decision.allowed) {
  console.log(`allowed  ${line(advisory)} until ${entry.expires}: ${entry.reason}`);
}
for (const a of decision.minor) console.log(`noted    ${line(a)}`);
for (const e of decision.stale) {
  console.log(`stale allow-list entry: ${e.advisory} (${e.package}) matches nothing; remove it`);
}
const ok = passes(decision);
console.log(
  `audit: ${ok ? 'pass' : 'FAIL'}: ${decision.blocking.length + decision.expired.length} blocking, ${decision.allowed.length} allowed, ${decision.minor.length} below high`,
);
process.exit(ok ? 0 : 1);
