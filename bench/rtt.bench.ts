/**
 * The round-trip benchmark (issue 10): what distance to the server costs. Every connection goes
 * through the delay relay (test/support/delay-relay.ts: one RTT of TCP set-up, then half an RTT
 * each way), on loopback (0 ms added) and at 50 ms RTT, side by side in one run.
 *
 * Rows per RTT: one STARTTLS endpoint and one implicit-TLS endpoint, each a complete default
 * probe (dialog, TLS, the default scan, for STARTTLS the injection test); one whole account
 * (IMAP, submission and XMPP with STARTTLS, and the implicit-TLS ports beside them, as the app
 * checks it), with its ratio to the slowest of its endpoints measured alone; and whole processes
 * on the implicit endpoint: `sealcheck check` and nmap's ssl-enum-ciphers (same relay, same RTT).
 * Wall time is also given in RTTs; connections are counted by the relays.
 *
 * Then the login check after a check on a TLS 1.2 server, with a full handshake and resuming the
 * check's session: the saving is one round trip.
 *
 * Targets: the STARTTLS endpoint at 50 ms in ≤ 8 RTTs; the account within 1.2× its slowest
 * endpoint; faster than nmap with at most a quarter of its connections.
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import type { Account } from '../app/core/accounts/model';
import { assessAccount } from '../app/core/assess/account';
import { defaultTrustStores } from '../app/core/cert';
import type { EndpointTarget } from '../app/core/facts/endpoint';
import type { ConnectToRule } from '../app/core/net/resolve';
import { loginCheck } from '../app/core/accounts/login-check';
import type { LookupFunction } from '../app/core/net/resolve';
import { TlsSessionCache } from '../app/core/net/tls-sessions';
import { probeEndpoint } from '../app/core/probe';
import { say, startDialogServer } from '../test/hostile/servers';
import { memoryKeychain } from '../test/support/memory-keychain';
import { HOSTILE_NAME, hostileCert } from '../test/hostile/tls-servers';
import { bedLookup, findEndpoint, targetOf, type BedDescription } from '../test/bed/endpoints';
import { startDelayRelay, type DelayRelay } from '../test/support/delay-relay';
import { formatTable } from '../test/support/text-table';
import { stats } from './probe.bench';
import { nmap, sealcheck } from './scan.bench';

export const RTTS = [0, 50] as const;
const TARGET_RTTS = 8;
const TARGET_ACCOUNT_RATIO = 1.2;

export interface RttRow {
  readonly rttMs: number;
  readonly name: string;
  readonly medianMs: number;
  readonly p90Ms: number;
  /** Wall time in round trips (null on loopback). */
  readonly rtts: number | null;
  readonly connections: number;
  /** For the account: its median over its slowest endpoint's median (same RTT, same run). */
  readonly ratio: number | null;
}

export interface RttBenchResult {
  readonly rows: readonly RttRow[];
  readonly runs: number;
  readonly verdicts: readonly string[];
  readonly pass: boolean;
}

const ENDPOINTS = {
  imapStarttls: 'dovecot-imap-starttls-good',
  imapImplicit: 'dovecot-imap-implicit-good',
  submissionStarttls: 'postfix-submission-starttls-good',
  submissionImplicit: 'postfix-submission-implicit-good',
  xmppStarttls: 'prosody-xmpp-starttls-good',
  xmppImplicit: 'prosody-xmpp-implicit-good',
} as const;

/** Relays for every endpoint at one RTT, and connect-to rules that send each name:port there. */
async function relaysAt(bed: BedDescription, rttMs: number) {
  const relays = new Map<string, DelayRelay>();
  for (const id of Object.values(ENDPOINTS)) {
    const ep = findEndpoint(bed, id);
    relays.set(id, await startDelayRelay({ target: { host: ep.host, port: ep.port }, rttMs }));
  }
  const relay = (id: string): DelayRelay => {
    const r = relays.get(id);
    if (!r) throw new Error(`no relay for ${id}`);
    return r;
  };
  const rule = (host: string, port: number, id: string): ConnectToRule => ({
    host,
    port,
    toHost: relay(id).host,
    toPort: relay(id).port,
  });
  const rules: ConnectToRule[] = Object.values(ENDPOINTS).map((id) => {
    const ep = findEndpoint(bed, id);
    return rule(ep.serverName, ep.port, id);
  });
  // The account's implicit-TLS alternatives on their standard ports.
  rules.push(
    rule('mail.test.example', 993, ENDPOINTS.imapImplicit),
    rule('mail.test.example', 465, ENDPOINTS.submissionImplicit),
    rule('test.example', 5223, ENDPOINTS.xmppImplicit),
  );
  const connections = (): number => [...relays.values()].reduce((n, r) => n + r.connections, 0);
  return {
    relay,
    rules,
    connections,
    close: () => Promise.all([...relays.values()].map((r) => r.close())),
  };
}

function must<T>(v: T | undefined): T {
  if (v === undefined) throw new Error('missing measurement');
  return v;
}

async function timed(
  runs: number,
  counter: () => number,
  fn: () => Promise<unknown>,
): Promise<{ medianMs: number; p90Ms: number; connections: number }> {
  await fn(); // warm-up: code paths and the servers' caches, not counted
  const before = counter();
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn();
    samples.push(performance.now() - t0);
  }
  return { ...stats(samples), connections: (counter() - before) / runs };
}

const LOGIN_PASSWORD = 'bench-password';

/**
 * The login check after a check, against a TLS 1.2 STARTTLS server (a scripted IMAP server
 * through its own relay: the bed's servers all speak TLS 1.3, where resumption saves no round
 * trip): with a full handshake, and resuming the session the check left (net/tls-sessions.ts).
 * After STARTTLS the client speaks first, so the shorter handshake saves one round trip.
 */
async function loginRows(
  runs: number,
  rttMs: number,
  row: (name: string, m: Awaited<ReturnType<typeof timed>>) => RttRow,
): Promise<RttRow[]> {
  const server = await startDialogServer('imap', {
    tls12Only: true,
    on: {
      // Inside TLS, SASL-IR: the login is one command and one reply.
      capabilities: async (peer, ctx) => {
        await peer.write(
          peer.isTls
            ? `* CAPABILITY IMAP4rev1 AUTH=PLAIN SASL-IR\r\n${ctx.tag} OK done\r\n`
            : ctx.normal,
        );
        return 'continue';
      },
      auth: say((ctx) => `${ctx.tag} OK logged in\r\n`),
    },
  });
  const relay = await startDelayRelay({ target: { host: '127.0.0.1', port: server.port }, rttMs });
  try {
    const { cert } = await hostileCert();
    const lookup: LookupFunction = (_h, _o, cb) => cb(null, [{ address: relay.host, family: 4 }]);
    const account = {
      id: 'bench-login',
      displayName: 'Bench',
      address: `alice@${HOSTILE_NAME}`,
      username: 'alice',
      incoming: { protocol: 'imap', host: HOSTILE_NAME, port: relay.port, security: 'starttls' },
      outgoing: null,
      chat: null,
      certificateExceptions: [],
      source: 'manual',
      authentication: 'password',
      createdAt: '2026-01-01T00:00:00.000Z',
      updatedAt: '2026-01-01T00:00:00.000Z',
    } as Account;
    const credentials = memoryKeychain({ any: LOGIN_PASSWORD });
    const login = async (sessions: TlsSessionCache | undefined): Promise<void> => {
      const r = await loginCheck(account, 'incoming', {
        credentials,
        lookup,
        extraCa: [cert],
        ...(sessions ? { sessions } : {}),
      });
      if (r.outcome !== 'success') throw new Error(`login check: ${r.outcome}`);
    };
    const sessions = new TlsSessionCache();
    await probeEndpoint(
      { host: HOSTILE_NAME, port: relay.port, protocol: 'imap', security: 'starttls' },
      { lookup, extraCa: [cert], scan: 'off', injectionTest: false, sessions },
    );
    const counter = (): number => relay.connections;
    return [
      row(
        'login check, TLS 1.2, full handshake',
        await timed(runs, counter, () => login(undefined)),
      ),
      row(
        'login check, TLS 1.2, resumed session',
        await timed(runs, counter, () => login(sessions)),
      ),
    ];
  } finally {
    await relay.close();
    await server.close();
  }
}

export async function runRttBench(bed: BedDescription, runs: number): Promise<RttBenchResult> {
  const rootCa = readFileSync(bed.rootCaFile, 'utf8');
  const trust = defaultTrustStores([rootCa]);
  const imap = findEndpoint(bed, ENDPOINTS.imapStarttls);
  const submission = findEndpoint(bed, ENDPOINTS.submissionStarttls);
  const xmpp = findEndpoint(bed, ENDPOINTS.xmppStarttls);
  const account: Account = {
    id: 'bench',
    displayName: 'Bench',
    address: 'alice@test.example',
    username: 'alice',
    incoming: { protocol: 'imap', host: imap.serverName, port: imap.port, security: 'starttls' },
    outgoing: {
      protocol: 'submission',
      host: submission.serverName,
      port: submission.port,
      security: 'starttls',
    },
    chat: { protocol: 'xmpp', host: xmpp.serverName, port: xmpp.port, security: 'starttls' },
    certificateExceptions: [],
    source: 'manual',
    authentication: 'password',
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
  } as Account;

  const rows: RttRow[] = [];
  for (const rttMs of RTTS) {
    const net = await relaysAt(bed, rttMs);
    try {
      const options = { lookup: bedLookup, extraCa: [rootCa], connectTo: net.rules };
      const probe = (t: EndpointTarget) => () =>
        probeEndpoint(t, { ...options, injectionTest: t.security === 'starttls' });
      const row = (
        name: string,
        m: Awaited<ReturnType<typeof timed>>,
        ratio: number | null = null,
      ): RttRow => ({
        rttMs,
        name,
        medianMs: m.medianMs,
        p90Ms: m.p90Ms,
        rtts: rttMs > 0 ? m.medianMs / rttMs : null,
        connections: m.connections,
        ratio,
      });
      const single = new Map<string, Awaited<ReturnType<typeof timed>>>();
      for (const id of [
        ENDPOINTS.imapStarttls,
        ENDPOINTS.imapImplicit,
        ENDPOINTS.submissionStarttls,
        ENDPOINTS.xmppStarttls,
      ]) {
        single.set(id, await timed(runs, net.connections, probe(targetOf(findEndpoint(bed, id)))));
      }
      rows.push(row('STARTTLS endpoint (IMAP)', must(single.get(ENDPOINTS.imapStarttls))));
      rows.push(row('implicit-TLS endpoint (IMAP)', must(single.get(ENDPOINTS.imapImplicit))));
      const accountRun = await timed(runs, net.connections, () =>
        assessAccount(account, { ...options, trust }),
      );
      // Its slowest endpoint, measured alone just before.
      const slowest = Math.max(
        ...[ENDPOINTS.imapStarttls, ENDPOINTS.submissionStarttls, ENDPOINTS.xmppStarttls].map(
          (id) => single.get(id)?.medianMs ?? 0,
        ),
      );
      rows.push(
        row('whole account (IMAP, submission, XMPP)', accountRun, accountRun.medianMs / slowest),
      );
      // Whole processes on the implicit endpoint, through its relay.
      const implicit = findEndpoint(bed, ENDPOINTS.imapImplicit);
      const viaRelay = net.relay(ENDPOINTS.imapImplicit).port;
      const processRuns = Math.min(runs, 3);
      rows.push(
        row(
          'sealcheck check (process), implicit',
          await timed(processRuns, net.connections, () => sealcheck(bed, implicit, viaRelay, [])),
        ),
      );
      rows.push(
        row(
          'nmap ssl-enum-ciphers (process), implicit',
          await timed(processRuns, net.connections, () => nmap(implicit, viaRelay)),
        ),
      );
      rows.push(...(await loginRows(runs, rttMs, row)));
    } finally {
      await net.close();
    }
  }

  const at = (rtt: number, name: string): RttRow | undefined =>
    rows.find((r) => r.rttMs === rtt && r.name.startsWith(name));
  const verdicts: string[] = [];
  let pass = true;
  const starttls = at(50, 'STARTTLS endpoint');
  if (starttls?.rtts != null) {
    const ok = starttls.rtts <= TARGET_RTTS;
    pass &&= ok;
    verdicts.push(
      `${ok ? 'PASS' : 'FAIL'}: one STARTTLS endpoint at 50 ms RTT in ${starttls.rtts.toFixed(1)} RTTs (target ≤ ${TARGET_RTTS})`,
    );
  }
  const acct = at(50, 'whole account');
  if (acct?.ratio != null) {
    const ok = acct.ratio <= TARGET_ACCOUNT_RATIO;
    pass &&= ok;
    verdicts.push(
      `${ok ? 'PASS' : 'FAIL'}: the whole account at 50 ms RTT is ${acct.ratio.toFixed(2)}× its slowest endpoint (target ≤ ${TARGET_ACCOUNT_RATIO})`,
    );
  }
  for (const rtt of RTTS) {
    const ours = at(rtt, 'sealcheck check');
    const theirs = at(rtt, 'nmap');
    if (ours && theirs) {
      const ok = ours.medianMs < theirs.medianMs && ours.connections * 4 <= theirs.connections;
      pass &&= ok;
      verdicts.push(
        `${ok ? 'PASS' : 'FAIL'}: at ${rtt} ms RTT sealcheck check is ${(theirs.medianMs / ours.medianMs).toFixed(1)}× as fast as nmap ssl-enum-ciphers with ${(theirs.connections / ours.connections).toFixed(1)}× fewer connections (target: faster, ≥ 4× fewer)`,
      );
    }
  }
  const full = at(50, 'login check, TLS 1.2, full');
  const resumed = at(50, 'login check, TLS 1.2, resumed');
  if (full?.rtts != null && resumed?.rtts != null) {
    const saved = full.rtts - resumed.rtts;
    const ok = saved >= 0.7;
    pass &&= ok;
    verdicts.push(
      `${ok ? 'PASS' : 'FAIL'}: at 50 ms RTT resuming the check's TLS 1.2 session saves the login check ${saved.toFixed(1)} RTTs (${full.rtts.toFixed(1)} → ${resumed.rtts.toFixed(1)}; target: about one)`,
    );
  }
  return { rows, runs, verdicts, pass };
}

export function formatRttBench(r: RttBenchResult): string {
  const table = formatTable(
    ['RTT', 'what', 'median ms', 'p90 ms', 'in RTTs', 'connections', 'x slowest'],
    r.rows.map((row) => [
      `${row.rttMs} ms`,
      row.name,
      row.medianMs.toFixed(0),
      row.p90Ms.toFixed(0),
      row.rtts === null ? '-' : row.rtts.toFixed(1),
      row.connections.toFixed(1),
      row.ratio === null ? '' : row.ratio.toFixed(2),
    ]),
  );
  return `${table}\n\n${r.verdicts.join('\n')}`;
}
