/**
 * How `sealcheck check` runs its endpoints: the HOST arguments, then the rows of --input,
 * through one pool (host-pool.ts) with the global --concurrency and the per-host --per-host limit.
 *
 * 1. With --input, the whole input is read once and every row validated (a bad row is a usage
 *    error naming its line, exit 64, before anything runs); this also counts the endpoints for
 *    the progress lines. A file is then read again, lazily; stdin is kept from the first read.
 * 2. Each endpoint's politeness keys are the addresses its name resolves to (after --connect-to),
 *    or its name when it does not resolve; the probe then uses the same answer (no second lookup).
 * 3. Each probe's facts are judged as soon as they arrive. With --jsonl one line per endpoint is
 *    printed at once and the facts dropped, so memory stays flat however long the list; otherwise
 *    the facts are kept in input order for the one report at the end (check-report.ts).
 * 4. The exit code is folded from one small status per endpoint (check-exit.ts's ExitTally).
 *    Ctrl-C: nothing new starts, what finished is printed, exit 2.
 */
import dns, { type LookupAddress } from 'node:dns';
import { setFlagsFromString } from 'node:v8';
import type { TrustStores } from '../core/cert';
import type { EndpointFacts, EndpointTarget } from '../core/facts/endpoint';
import { applyConnectTo, resolveAddresses, type LookupFunction } from '../core/net/resolve';
import type { probeEndpoint, ProbeOptions } from '../core/probe';
import { decodeCapped, fileChunks, RowError, rowsOf, type InputRow } from './batch-input';
import { endpointStatus, ExitTally, type EndpointStatus } from './check-exit';
import { targetsOf, type CheckRequest } from './commands/check';
import { runHostPool } from './host-pool';
import type { CliIo } from './io';
import { jsonLineForTerminal, terminalSafe } from './terminal';
import { UsageError } from './usage';

/** One HOST argument or input row, shared by its endpoints until the last one is done. */
interface Row {
  /** The input line, or null for a HOST argument. */
  readonly line: number | null;
  /** No protocol given: every standard port, refused ones "not served". */
  readonly standardPorts: boolean;
  remaining: number;
  served: boolean;
}

interface Job {
  readonly target: EndpointTarget;
  readonly row: Row;
}

export interface RunDependencies {
  readonly probe: typeof probeEndpoint;
  readonly options: ProbeOptions;
  readonly version: string;
  readonly now?: () => Date;
  /** Whether stderr is a terminal (progress lines by default with --input). */
  readonly stderrIsTty: boolean;
}

/**
 * With --jsonl, the young generation is kept small (V8's semi-spaces at 2 MB instead of growing
 * to 16 MB or more). A batch allocates fast and keeps little: measured on loopback, 1000
 * endpoints took the process's peak RSS to about 230 MB with V8's default growth (the old space
 * mostly garbage, collected lazily), and to about 150 MB with this, at the same speed. A full
 * collection every 100 endpoints was tried and changed nothing.
 */
function boundYoungGeneration(): void {
  try {
    setFlagsFromString('--max-semi-space-size=2');
    setFlagsFromString('--semi-space-growth-factor=1');
  } catch {
    // An engine without these flags: only the peak memory differs.
  }
}

/** Names resolved for the politeness keys, kept for the probes; the oldest go first. */
const MAX_CACHED_NAMES = 4096;

async function* chunksOf(file: string): AsyncGenerator<string> {
  yield* file === '-' ? decodeCapped(process.stdin) : fileChunks(file);
}

/** Reads and validates every row; returns how to read them again and the endpoint count. */
async function validateInput(
  input: NonNullable<CheckRequest['input']>,
): Promise<{ again: () => AsyncIterable<InputRow> | Iterable<InputRow>; endpoints: number }> {
  const where = `--input ${input.file}`;
  const kept: InputRow[] | null = input.file === '-' ? [] : null;
  let endpoints = 0;
  try {
    for await (const row of rowsOf(input.format, chunksOf(input.file))) {
      endpoints += rowTargets(row).length;
      kept?.push(row);
    }
  } catch (err) {
    if (err instanceof RowError || err instanceof UsageError)
      throw new UsageError(`${where}: ${err.message}`);
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'EACCES' || code === 'EISDIR')
      throw new UsageError(`${where}: cannot read it (${(err as Error).message})`);
    throw err;
  }
  if (endpoints === 0) throw new UsageError(`${where}: no rows`);
  return {
    again: () => kept ?? rowsOf(input.format, chunksOf(input.file)),
    endpoints,
  };
}

function rowTargets(row: InputRow): EndpointTarget[] {
  try {
    return targetsOf(row.host, row);
  } catch (err) {
    if (err instanceof UsageError) {
      // The flags' names read as the columns' names here.
      const message = err.message.replace(/--(protocol|port|tls|xmpp-domain)\b/g, "'$1'");
      throw new RowError(`line ${row.line}: ${message}`);
    }
    throw err;
  }
}

async function* jobsOf(
  request: CheckRequest,
  rows: AsyncIterable<InputRow> | Iterable<InputRow> | null,
): AsyncGenerator<Job> {
  // HOST arguments: one row per host, as before.
  const byHost = new Map<string, EndpointTarget[]>();
  for (const t of request.targets) {
    const list = byHost.get(t.host) ?? [];
    list.push(t);
    byHost.set(t.host, list);
  }
  for (const targets of byHost.values()) {
    const row: Row = {
      line: null,
      standardPorts: request.standardPorts,
      remaining: targets.length,
      served: false,
    };
    for (const target of targets) yield { target, row };
  }
  if (rows === null) return;
  for await (const input of rows) {
    const targets = rowTargets(input);
    const row: Row = {
      line: input.line,
      standardPorts: input.protocol === undefined,
      remaining: targets.length,
      served: false,
    };
    for (const target of targets) yield { target, row };
  }
}

/** Politeness keys from the resolver's answer, and a lookup that replays it to the probe. */
function politeness(request: CheckRequest, options: ProbeOptions) {
  const answers = new Map<string, LookupAddress[]>();
  const pending = new Map<string, Promise<readonly string[]>>();
  const base: LookupFunction = options.lookup ?? (dns.lookup as LookupFunction);
  const recording: LookupFunction = (hostname, lookupOptions, callback) =>
    base(hostname, lookupOptions, (err, addresses) => {
      if (err === null) {
        if (answers.size >= MAX_CACHED_NAMES) {
          const oldest = answers.keys().next().value;
          if (oldest !== undefined) answers.delete(oldest);
        }
        answers.set(hostname, addresses);
      }
      callback(err, addresses);
    });
  const replaying: LookupFunction = (hostname, lookupOptions, callback) => {
    const answer = answers.get(hostname);
    if (answer !== undefined) callback(null, answer);
    else recording(hostname, lookupOptions, callback);
  };
  const keys = (job: Job): Promise<readonly string[]> => {
    const route = applyConnectTo(request.connectTo, job.target.host, job.target.port);
    const name = route.host.toLowerCase();
    let p = pending.get(name);
    if (p === undefined) {
      p = resolveAddresses(name, {
        lookup: recording,
        ...(options.signal ? { signal: options.signal } : {}),
      }).then(
        (addresses) => addresses.map((a) => `ip:${a.address.toLowerCase()}`),
        () => [`name:${name}`],
      );
      if (pending.size >= MAX_CACHED_NAMES) {
        const oldest = pending.keys().next().value;
        if (oldest !== undefined) pending.delete(oldest);
      }
      pending.set(name, p);
    }
    return p;
  };
  return { keys, lookup: replaying };
}

function progressLine(done: number, total: number, target: EndpointTarget, status: string): string {
  const host = target.host.includes(':') ? `[${target.host}]` : target.host;
  return `[${done}/${total}] ${terminalSafe(host)}:${target.port} ${target.protocol} ${status}\n`;
}

export async function runCheck(
  io: CliIo,
  request: CheckRequest,
  deps: RunDependencies,
): Promise<number> {
  if (request.jsonl) boundYoungGeneration();
  const input = request.input !== null ? await validateInput(request.input) : null;
  const total = request.targets.length + (input?.endpoints ?? 0);
  const showProgress = request.progress ?? (request.input !== null && deps.stderrIsTty);

  const polite = request.perHost < request.concurrency;
  const { keys, lookup } = politeness(request, deps.options);
  const options: ProbeOptions = polite ? { ...deps.options, lookup } : deps.options;

  // Loaded while the first probes wait on their sockets: the judge's trust stores.
  const reportModule = import('./check-report');
  let trust: TrustStores | undefined;
  const ready = reportModule.then((report) => {
    trust ??= report.prepareTrust(deps.options.extraCa ?? []);
    return { report, trust };
  });

  const tally = new ExitTally();
  const now = deps.now?.() ?? new Date();
  const gathered: EndpointFacts[] = [];
  const standardFacts = new WeakSet<EndpointFacts>();
  let done = 0;

  interface Outcome {
    readonly facts: EndpointFacts;
    readonly status: EndpointStatus;
    readonly verdict: string;
    readonly line: string | null;
  }

  const finishRow = (row: Row, status: EndpointStatus): void => {
    if (status !== 'not-served') row.served = true;
    row.remaining--;
    if (row.remaining === 0 && row.standardPorts && !row.served) tally.hostNotServed();
  };

  const outcome = await runHostPool<Job, Outcome>(jobsOf(request, input?.again() ?? null), {
    concurrency: request.concurrency,
    perKey: request.perHost,
    keys: (job) => (polite ? keys(job) : []),
    run: async (job) => {
      const facts = await deps.probe(
        job.target,
        // The injection test belongs to STARTTLS endpoints only; off when asked.
        request.injectionTest
          ? { ...options, injectionTest: job.target.security === 'starttls' }
          : options,
      );
      const { report, trust: stores } = await ready;
      const judged = report.judgeEndpoint(facts, { trust: stores, now });
      const status = endpointStatus(judged, { standardPorts: job.row.standardPorts });
      let line: string | null = null;
      if (request.jsonl) {
        const extras = report.certificateExtras(judged, stores, request.fingerprint);
        line = jsonLineForTerminal({
          ...(job.row.line !== null ? { input: { line: job.row.line } } : {}),
          status,
          ...report.jsonEndpoint(judged, extras, request.fingerprint, stores),
        });
      }
      return { facts, status, verdict: judged.verdict.kind, line };
    },
    onResult: (result, job, index) => {
      done++;
      tally.endpoint(result.status);
      finishRow(job.row, result.status);
      if (result.line !== null) io.stdout(`${result.line}\n`);
      else {
        gathered[index] = result.facts;
        if (job.row.standardPorts) standardFacts.add(result.facts);
      }
      if (showProgress) {
        const word = result.status === 'not-served' ? 'not served' : result.verdict;
        io.stderr(progressLine(done, total, job.target, word));
      }
    },
    ...(deps.options.signal ? { signal: deps.options.signal } : {}),
  });
  if (deps.options.signal?.aborted === true || outcome.notStarted > 0) tally.cancel();
  if (showProgress && deps.options.signal?.aborted === true)
    io.stderr(`cancelled: ${done} of ${total} endpoints checked\n`);

  if (!request.jsonl) {
    const { report, trust: stores } = await ready;
    // Endpoints that never started (Ctrl-C) leave holes; the report covers what was checked.
    const checked = gathered.filter((f): f is EndpointFacts => f !== undefined);
    report.reportCheck(
      io,
      { ...request, standardPorts: request.standardPorts || input !== null },
      checked,
      stores,
      { version: deps.version, now },
      (facts) => standardFacts.has(facts),
    );
  }
  return tally.code();
}
