/**
 * `npm run bench`: speed figures live here, never in tests (design.md).
 *
 *   npx tsx bench/index.ts [--runs N] [--out FILE] [--quick]
 *
 * Starts the real-server bed (needs root, like the tests) unless SEALCHECK_BED points at a
 * running one, then runs each benchmark and prints a table. --out also writes the numbers as
 * JSON (results are not committed). The TLS scanner's benchmark runs testssl.sh and nmap beside
 * Sealcheck (some four minutes); --quick leaves them out. The window's benchmark builds the
 * renderer if it is stale and times its first screen in Chromium. The domain benchmark starts
 * its own DNS (knot + unbound) and MTA-STS server beside the bed. The batch benchmark starts a
 * dedicated Dovecot on 127.0.0.2 … 127.0.0.251 and runs `sealcheck check --input` over 100 and
 * 1000 endpoints (some 25 s).
 */
import { parseArgs } from 'node:util';
import { formatBatchBench, runBatchBench } from './batch.bench';
import { runCertBench } from './cert.bench';
import { formatDomainBench, runDomainBench } from './domain.bench';
import { writeFile } from 'node:fs/promises';
import { bedForScript } from '../test/bed/index';
import { runProbeBench } from './probe.bench';
import { formatRttBench, runRttBench } from './rtt.bench';
import { formatSummary, summaryRows, type BenchInputs } from './summary';
import { mkdir } from 'node:fs/promises';
import { formatScanBench, referenceVersions, runScanBench, scanBenchVerdicts } from './scan.bench';
import { runUiBench } from './ui.bench';

const { values } = parseArgs({
  options: { runs: { type: 'string' }, out: { type: 'string' }, quick: { type: 'boolean' } },
  strict: true,
});
const runs = values.runs !== undefined ? Number(values.runs) : 20;
if (!Number.isInteger(runs) || runs < 1 || runs > 10_000) {
  console.error('bench: --runs must be a whole number from 1 to 10000');
  process.exit(64);
}

const summary: { -readonly [K in keyof BenchInputs]: BenchInputs[K] } = {};

await runProbeBench({ runs, ...(values.out !== undefined ? { out: values.out } : {}) });

// One bed for every benchmark below that needs the real servers (started unless SEALCHECK_BED
// points at a running one), stopped at the end.
const shared = await bedForScript();
try {
  const bed = shared.bed;
  // The TLS scanner against testssl.sh and nmap, whole processes, in this same run.
  {
    const references = values.quick !== true;
    const rows = await runScanBench(bed, { runs: Math.min(runs, 7), references });
    summary.scan = rows;
    console.log(
      `\nTLS scan: whole processes on loopback, medians of ${Math.min(runs, 7)} runs${references ? ` (${referenceVersions()} once per mode)` : ''}\n`,
    );
    console.log(formatScanBench(rows));
    console.log('');
    for (const line of scanBenchVerdicts(rows)) console.log(line);
    if (values.out !== undefined) {
      await writeFile(
        `${values.out.replace(/\.json$/, '')}.scan.json`,
        `${JSON.stringify(rows, null, 2)}\n`,
      );
    }
  }
  // Distance: the same work through a relay adding 0 and 50 ms of round trip, beside nmap.
  {
    const rtt = await runRttBench(bed, Math.min(runs, 7));
    summary.rtt = rtt;
    console.log(`\nRound trips: through the delay relay, medians of ${rtt.runs} runs\n`);
    console.log(formatRttBench(rtt));
    if (values.out !== undefined) {
      await writeFile(
        `${values.out.replace(/\.json$/, '')}.rtt.json`,
        `${JSON.stringify(rtt, null, 2)}\n`,
      );
    }
  }
  // The domain check: DNS with DNSSEC, MTA-STS over HTTPS and every MX on its SMTP port.
  {
    const domain = await runDomainBench(bed, Math.min(runs, 15));
    console.log(
      `\nDomain check on loopback (knot + validating unbound, Postfix as MX), medians of ${domain.runs} runs\n`,
    );
    console.log(formatDomainBench(domain));
    if (values.out !== undefined) {
      await writeFile(
        `${values.out.replace(/\.json$/, '')}.domain.json`,
        `${JSON.stringify(domain, null, 2)}\n`,
      );
    }
  }
  // Pure computation, no bed: more runs for a stable median.
  runCertBench(Math.max(runs, 200));

  // The window: the built renderer's size and its first screen in Chromium.
  {
    const ui = await runUiBench(Math.min(runs, 15));
    if (values.out !== undefined) {
      await writeFile(
        `${values.out.replace(/\.json$/, '')}.ui.json`,
        `${JSON.stringify(ui, null, 2)}\n`,
      );
    }
  }
  // A help desk's list: 100 and 1000 endpoints through one `sealcheck check --input … --jsonl`.
  {
    const batch = await runBatchBench(bed, { sizes: [100, 1000], scan: 'default' });
    summary.batch = batch;
    console.log(
      '\nBatch: `sealcheck check --input LIST.csv --jsonl` as one process on loopback (IMAP, half implicit TLS, half STARTTLS; the default TLS scan; a dedicated Dovecot with raised limits)\n',
    );
    console.log(formatBatchBench(batch));
    if (values.out !== undefined) {
      await writeFile(
        `${values.out.replace(/\.json$/, '')}.batch.json`,
        `${JSON.stringify(batch, null, 2)}\n`,
      );
    }
  }
} finally {
  await shared.stop();
}

// The one table: the headline figures of this run against their targets, also as JSON.
{
  const rows = summaryRows(summary);
  console.log('\nSummary of this run\n');
  console.log(formatSummary(rows));
  const file =
    values.out !== undefined
      ? `${values.out.replace(/\.json$/, '')}.summary.json`
      : 'out/bench/summary.json';
  await mkdir(file.replace(/\/[^/]*$/, '') || '.', { recursive: true });
  await writeFile(
    file,
    `${JSON.stringify({ generatedAt: new Date().toISOString(), rows }, null, 2)}\n`,
  );
  console.log(`\n(written to ${file})`);
}
