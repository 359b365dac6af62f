/**
 * The facts schemas (app/core/facts/schema.ts, app/core/domain/schema.ts) against real facts:
 * every bed endpoint probed in its own mode with the default scan (one also with --detailed),
 * ports that refuse, names that do not resolve, a loopback server whose greeting is hostile, and
 * every case of the domain world. Each goes through JSON as a saved report would, must pass the
 * schema, and must come out exactly as it went in: the schema drops nothing real facts hold.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import * as v from 'valibot';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkDomain } from '../../app/core/domain/check';
import { DomainFactsSchema } from '../../app/core/domain/schema';
import type { EndpointFacts, EndpointTarget } from '../../app/core/facts/endpoint';
import { EndpointFactsSchema } from '../../app/core/facts/schema';
import { probeEndpoint, type ProbeOptions } from '../../app/core/probe';
import { startDomainWorld, type DomainWorld } from '../bed/domain-world';
import { bedLookup, loadBed, targetOf, type BedDescription } from '../bed/endpoints';

let bed: BedDescription;
let options: ProbeOptions;

beforeAll(() => {
  bed = loadBed();
  options = {
    lookup: bedLookup,
    extraCa: [readFileSync(bed.rootCaFile, 'utf8')],
    version: '0.0.0-test',
    overallTimeoutMs: 20_000,
  };
});

/** Through JSON, through the schema: passes, and comes out equal. */
function expectRoundTrip<S extends v.GenericSchema>(schema: S, facts: unknown, what: string): void {
  const saved: unknown = JSON.parse(JSON.stringify(facts));
  const parsed = v.safeParse(schema, saved, { abortEarly: true });
  const issue = parsed.issues?.[0];
  expect(
    parsed.success,
    `${what}: ${issue?.message ?? ''} at ${(issue?.path ?? []).map((p) => String(p.key)).join('.')}`,
  ).toBe(true);
  expect(parsed.output, what).toEqual(saved);
}

async function inBatches<T, R>(items: readonly T[], size: number, run: (t: T) => Promise<R>) {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += size) {
    out.push(...(await Promise.all(items.slice(i, i + size).map(run))));
  }
  return out;
}

describe('endpoint facts from the real probe', () => {
  it('every bed endpoint in its own mode, with the scan and the injection test', async () => {
    const all = await inBatches(bed.endpoints, 8, async (e) => ({
      id: e.id,
      facts: await probeEndpoint(targetOf(e), {
        ...options,
        injectionTest: e.security === 'starttls',
      }),
    }));
    expect(all.length).toBeGreaterThan(20);
    // The bed covers what the schema must take: TLS, STARTTLS, plaintext, scans, every protocol.
    const flat = all.flatMap((x) => x.facts.addresses);
    expect(flat.some((a) => a.scan !== null && a.scan.chainAsSent !== null)).toBe(true);
    expect(flat.some((a) => a.injection !== null)).toBe(true);
    expect(flat.some((a) => a.tls === null)).toBe(true);
    expect(new Set(all.map((x) => x.facts.target.protocol)).size).toBe(5);
    for (const { id, facts } of all) expectRoundTrip(EndpointFactsSchema, facts, id);
  }, 240_000);

  it('a detailed scan, a refused port, a name that does not resolve', async () => {
    const e = bed.endpoints.find((x) => x.id === 'postfix-submission-starttls-good');
    if (!e) throw new Error('no postfix submission endpoint in the bed');
    const detailed = await probeEndpoint(targetOf(e), { ...options, scan: 'detailed' });
    expect(detailed.addresses[0]?.scan?.detailed).not.toBeNull();
    const closed = await closedPort();
    const refused = await probeEndpoint(
      { host: 'mail.test.example', port: closed, protocol: 'imap', security: 'implicit' },
      options,
    );
    expect(refused.addresses[0]?.status).toBe('connection-refused');
    const unresolved = await probeEndpoint(
      { host: 'nowhere.invalid', port: 993, protocol: 'imap', security: 'implicit' },
      options,
    );
    expect(unresolved.resolveError?.kind).toBe('dns');
    for (const [what, facts] of Object.entries({ detailed, refused, unresolved }))
      expectRoundTrip(EndpointFactsSchema, facts, what);
  }, 120_000);
});

describe('hostile greetings, as the probe keeps them', () => {
  let server: Server;
  let port: number;
  const sockets = new Set<Socket>();
  beforeAll(async () => {
    server = createServer((socket) => {
      sockets.add(socket);
      socket.on('error', () => undefined);
      socket.end('* OK \u001b]0;pwned\u0007 <script>\u202Eevil\u0000 ready\r\n');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('no port');
    port = address.port;
  });
  afterAll(async () => {
    for (const s of sockets) s.destroy();
    await new Promise((r) => server.close(r));
  });

  it('pass the schema (escaped by the probe) and round-trip', async () => {
    const target: EndpointTarget = {
      host: 'mail.test.example',
      port,
      protocol: 'imap',
      security: 'starttls',
    };
    const facts: EndpointFacts = await probeEndpoint(target, options);
    expect(facts.addresses[0]?.greeting?.lines[0]).toContain('<script>');
    expectRoundTrip(EndpointFactsSchema, facts, 'hostile greeting');
  }, 30_000);
});

describe('domain facts from the real domain check', () => {
  let world: DomainWorld;
  beforeAll(async () => {
    world = await startDomainWorld(bed);
  }, 120_000);
  afterAll(async () => {
    await world?.stop();
  });

  const DOMAINS = [
    'nopolicy.plain.example',
    'enforce.plain.example',
    'testing.plain.example',
    'syntax.plain.example',
    'redirect.plain.example',
    'badrecord.plain.example',
    'cleartext.plain.example',
    'nullmx.plain.example',
    'implicit.plain.example',
    'unsigneddane.plain.example',
    'ok.signed.example',
    'bad.signed.example',
    'two.signed.example',
    'bogusmx.signed.example',
    'broken.example',
    'absent.plain.example',
  ];

  it('every case of the domain world', async () => {
    const all = await inBatches(DOMAINS, 4, async (d) => ({
      d,
      facts: await checkDomain(d, { ...world.options, version: '0.0.0-test' }),
    }));
    const kinds = new Set(all.flatMap((x) => [x.facts.mtaSts.record.result.kind, x.facts.mtaSts.fetch?.kind]));
    expect(kinds).toContain('valid');
    expect(kinds).toContain('ok');
    expect(all.some((x) => (x.facts.hosts[0]?.tlsa?.records.length ?? 0) > 0)).toBe(true);
    for (const { d, facts } of all) expectRoundTrip(DomainFactsSchema, facts, d);
  }, 240_000); // prettier-ignore
});

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const address = s.address();
  await new Promise((r) => s.close(r));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}
