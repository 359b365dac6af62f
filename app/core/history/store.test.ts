/**
 * The check history: records of real judgements (the findings fixtures with a crafted
 * certificate, judged by the real judge), what counts as a change, and the store on a real
 * file system: order, caps, retention, owners, damaged and foreign files, and what the file
 * must never hold.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CA_EXTENSIONS, leafExtensions, makeCert, type TestCert } from '../cert/test-support';
import type { TrustStores } from '../cert';
import type { AddressFacts, EndpointFacts } from '../facts/endpoint';
import { judgeEndpoint, type Judgement } from '../findings/judge';
import { sha256Of } from '../findings/rules-account';
import { caps, facts, goodAddress, target, tls } from '../findings/test-fixtures';
import type { Finding } from '../findings/types';
import { StoreError } from '../storage/json-file';
import {
  changesBetween,
  HISTORY_FILE,
  HISTORY_SCHEMA,
  historyKey,
  MAX_ENDPOINTS,
  MAX_PER_ENDPOINT,
  openHistory,
  recordOf,
  type HistoryRecord,
} from './store';

const DAY = 86_400_000;

let certDir: string;
let root: TestCert;
let leaf: TestCert;
let otherLeaf: TestCert;
let trust: TrustStores;
let created: Date;

beforeAll(() => {
  certDir = mkdtempSync(join(tmpdir(), 'sealcheck-history-cert-'));
  created = new Date();
  root = makeCert(certDir, 'root', {
    subject: '/O=Example/CN=Example Root',
    extensions: CA_EXTENSIONS,
    days: 3650,
  });
  const opts = {
    subject: '/CN=mail.example.org',
    issuer: root,
    extensions: leafExtensions(['DNS:mail.example.org']),
    days: 90,
  };
  leaf = makeCert(certDir, 'leaf', opts);
  otherLeaf = makeCert(certDir, 'leaf2', opts);
  trust = { publicRoots: [], publicRootsLabel: 'test', systemRoots: [], extraRoots: [root.pem] };
});
afterAll(() => rmSync(certDir, { recursive: true, force: true }));

/** The address's TLS session presenting `cert` as sent. */
function presenting(cert: TestCert): Partial<AddressFacts> {
  return { tls: tls({ peerChain: [cert.b64], chainSource: 'as-sent' }) };
}

function judge(f: EndpointFacts): Judgement {
  return judgeEndpoint(f, { trust, now: new Date(created.getTime() + 3_600_000) });
}

function record(overrides: Partial<HistoryRecord> = {}): HistoryRecord {
  return {
    checkedAt: '2026-01-01T00:00:00.000Z',
    verdict: 'encrypted-verified',
    findingIds: [],
    leafSha256: 'AA:BB',
    starttlsOffered: true,
    ...overrides,
  };
}

describe('recordOf', () => {
  it('implicit TLS: the verdict, the finding ids, the leaf SHA-256; STARTTLS not applicable', () => {
    const j = judge(
      facts(target({ security: 'implicit', port: 993 }), goodAddress('implicit', presenting(leaf))),
    );
    expect(j.verdict.kind).toBe('encrypted-verified');
    const r = recordOf(j, '2026-02-03T04:05:06.000Z');
    expect(r).toEqual({
      checkedAt: '2026-02-03T04:05:06.000Z',
      verdict: 'encrypted-verified',
      findingIds: j.findings.map((f) => f.id),
      leafSha256: sha256Of(leaf.b64),
      starttlsOffered: null,
      certificate: {
        names: expect.any(Array),
        issuer: expect.any(String),
        anchor: expect.any(String),
        keySha256: expect.stringMatching(/^[0-9A-F:]{95}$/),
      },
    });
    // The fingerprint is the one the certificate analysis shows.
    expect(r.leafSha256).toBe(j.certificates[0]?.presented[0]?.sha256);
  });

  it('STARTTLS accepted: offered', () => {
    const j = judge(facts(target(), goodAddress('starttls', presenting(leaf))));
    expect(recordOf(j, '2026-01-01T00:00:00.000Z').starttlsOffered).toBe(true);
  });

  it('STARTTLS accepted although the capabilities did not list it: offered', () => {
    const j = judge(
      facts(
        target(),
        goodAddress('starttls', {
          ...presenting(leaf),
          capabilitiesBeforeTls: caps({ starttls: 'unknown', listed: false }),
        }),
      ),
    );
    expect(recordOf(j, '2026-01-01T00:00:00.000Z').starttlsOffered).toBe(true);
  });

  it('STARTTLS endpoint whose server does not offer it: not offered, no certificate', () => {
    const address = goodAddress('none'); // capabilities without STARTTLS, no TLS
    const j = judge(facts(target(), address));
    const r = recordOf(j, '2026-01-01T00:00:00.000Z');
    expect(r.starttlsOffered).toBe(false);
    expect(r.leafSha256).toBeNull();
    expect(r.verdict).toBe(j.verdict.kind);
    expect(r.verdict).not.toBe('encrypted-verified');
  });

  it('capabilities unknown, or nothing seen before TLS: null', () => {
    const unknown = judge(
      facts(
        target(),
        goodAddress('none', { capabilitiesBeforeTls: caps({ starttls: 'unknown' }) }),
      ),
    );
    expect(recordOf(unknown, '2026-01-01T00:00:00.000Z').starttlsOffered).toBeNull();
    const nothing = judge(
      facts(
        target(),
        goodAddress('starttls', {
          status: 'connection-refused',
          capabilitiesBeforeTls: null,
          starttls: null,
          tls: null,
          capabilitiesAfterTls: null,
          loginBeforeTls: null,
          injection: null,
          greeting: null,
        }),
      ),
    );
    const r = recordOf(nothing, '2026-01-01T00:00:00.000Z');
    expect(r.starttlsOffered).toBeNull();
    expect(r.leafSha256).toBeNull();
  });

  it('the leaf comes from the first address that reached TLS', () => {
    const j = judge(
      facts(
        target({ security: 'implicit', port: 993 }),
        goodAddress('implicit', { address: '192.0.2.1', tls: null, status: 'connection-refused' }),
        goodAddress('implicit', { address: '192.0.2.2', ...presenting(otherLeaf) }),
        goodAddress('implicit', { address: '192.0.2.3', ...presenting(leaf) }),
      ),
    );
    expect(recordOf(j, '2026-01-01T00:00:00.000Z').leafSha256).toBe(sha256Of(otherLeaf.b64));
  });

  it('finding ids are unique and at most 100', () => {
    const j = judge(facts(target(), goodAddress('starttls', presenting(leaf))));
    const many = Array.from(
      { length: 150 },
      (_, i) => ({ ...j.findings[0], id: `x.id-${i % 120}` }) as unknown as Finding,
    );
    const r = recordOf({ ...j, findings: many }, '2026-01-01T00:00:00.000Z');
    expect(r.findingIds).toHaveLength(100);
    expect(new Set(r.findingIds).size).toBe(100);
    expect(r.findingIds.slice(0, 3)).toEqual(['x.id-0', 'x.id-1', 'x.id-2']);
  });
});

describe('changesBetween', () => {
  const since = '2026-01-01T00:00:00.000Z';
  const next = (o: Partial<HistoryRecord>) =>
    record({ checkedAt: '2026-02-01T00:00:00.000Z', ...o });

  it('no previous record: no changes; the same record again: none either', () => {
    expect(changesBetween(null, record())).toEqual([]);
    expect(changesBetween(record(), next({}))).toEqual([]);
  });

  it('a different certificate, only when both fingerprints are known', () => {
    expect(changesBetween(record(), next({ leafSha256: 'CC:DD' }))).toEqual([
      // Records without certificate details (an older version's) cannot be compared further.
      {
        kind: 'certificate-changed',
        since,
        from: 'AA:BB',
        to: 'CC:DD',
        assessment: 'unknown',
        reasons: [],
      },
    ]);
    expect(changesBetween(record({ leafSha256: null }), next({ leafSha256: 'CC:DD' }))).toEqual([]);
    expect(changesBetween(record(), next({ leafSha256: null }))).toEqual([]);
  });

  it('STARTTLS gone: only from offered to not offered', () => {
    expect(changesBetween(record(), next({ starttlsOffered: false }))).toEqual([
      { kind: 'starttls-gone', since },
    ]);
    expect(changesBetween(record(), next({ starttlsOffered: null }))).toEqual([]);
    expect(changesBetween(record({ starttlsOffered: null }), next({ starttlsOffered: false }))).toEqual([]);
    expect(changesBetween(record({ starttlsOffered: false }), next({ starttlsOffered: true }))).toEqual([]);
  }); // prettier-ignore

  it('a different verdict, unless either check could not finish', () => {
    expect(changesBetween(record(), next({ verdict: 'encryption-removable' }))).toEqual([
      { kind: 'verdict-changed', since, from: 'encrypted-verified', to: 'encryption-removable' },
    ]);
    expect(changesBetween(record(), next({ verdict: 'could-not-check' }))).toEqual([]);
    expect(
      changesBetween(record({ verdict: 'could-not-check' }), next({ verdict: 'not-encrypted' })),
    ).toEqual([]);
  });

  it('several at once, in order: certificate, STARTTLS, verdict; since is the earlier check', () => {
    const changes = changesBetween(
      record(),
      next({ leafSha256: 'EE', starttlsOffered: false, verdict: 'not-encrypted' }),
    );
    expect(changes.map((c) => c.kind)).toEqual([
      'certificate-changed',
      'starttls-gone',
      'verdict-changed',
    ]);
    expect(changes.every((c) => c.since === since)).toBe(true);
  });
});

describe('historyKey', () => {
  it('owner, protocol, host in lower case, port', () => {
    expect(historyKey('acct-1', { protocol: 'imap', host: 'Mail.Example.ORG', port: 993 })).toBe(
      'acct-1|imap|mail.example.org|993',
    );
    expect(historyKey('quick', { protocol: 'smtp', host: 'mx.example.org', port: 25 })).toBe(
      historyKey('quick', { protocol: 'smtp', host: 'MX.EXAMPLE.ORG', port: 25 }),
    );
  });
});

describe('openHistory', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sealcheck-history-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const key = historyKey('acct-1', { protocol: 'imap', host: 'mail.example.org', port: 993 });
  const at = (ms: number): string => new Date(ms).toISOString();
  const T0 = Date.parse('2026-03-01T12:00:00.000Z');

  it('add returns the previous record; list is newest first; the file is versioned', async () => {
    const h = openHistory({ directory: dir, now: () => new Date(T0) });
    expect(h.path).toBe(join(dir, HISTORY_FILE));
    expect(await h.list(key)).toEqual([]);
    const first = record({ checkedAt: at(T0 - 2 * DAY) });
    const second = record({ checkedAt: at(T0 - DAY), leafSha256: 'CC' });
    const third = record({ checkedAt: at(T0), verdict: 'not-encrypted' });
    expect(await h.add(key, first)).toBeNull();
    expect(await h.add(key, second)).toEqual(first);
    expect(await h.add(key, third)).toEqual(second);
    expect(await h.list(key)).toEqual([third, second, first]);
    // Another endpoint has its own list.
    const other = historyKey('acct-1', { protocol: 'smtp', host: 'mail.example.org', port: 587 });
    expect(await h.add(other, first)).toBeNull();
    expect(await h.list(key)).toHaveLength(3);
    const file = JSON.parse(await readFile(h.path, 'utf8')) as { schema: string };
    expect(file.schema).toBe(HISTORY_SCHEMA);
    // A second store on the same directory sees the same history.
    expect(await openHistory({ directory: dir }).list(key)).toEqual([third, second, first]);
  });

  it('list returns a copy: changing it changes nothing stored', async () => {
    const h = openHistory({ directory: dir, now: () => new Date(T0) });
    await h.add(key, record({ checkedAt: at(T0) }));
    const list = await h.list(key);
    list.length = 0;
    expect(await h.list(key)).toHaveLength(1);
  });

  it(`keeps at most ${MAX_PER_ENDPOINT} records per endpoint, the newest`, async () => {
    const h = openHistory({ directory: dir, now: () => new Date(T0) });
    const n = MAX_PER_ENDPOINT + 3;
    for (let i = 0; i < n; i++) {
      await h.add(key, record({ checkedAt: at(T0 - (n - i) * 60_000) }));
    }
    const list = await h.list(key);
    expect(list).toHaveLength(MAX_PER_ENDPOINT);
    expect(list[0]?.checkedAt).toBe(at(T0 - 60_000));
    expect(list.at(-1)?.checkedAt).toBe(at(T0 - MAX_PER_ENDPOINT * 60_000));
  });

  it(`keeps at most ${MAX_ENDPOINTS} endpoints, those checked most recently`, async () => {
    // The full history is written as a file (a valid one: the store reads it); one add follows.
    const endpoints: Record<string, HistoryRecord[]> = {};
    const keyOf = (i: number) =>
      historyKey('quick', { protocol: 'imap', host: `h${i}.example.org`, port: 993 });
    for (let i = 0; i < MAX_ENDPOINTS; i++) {
      // h0 is the oldest; i=1 is older than the rest but newer than h0.
      endpoints[keyOf(i)] = [record({ checkedAt: at(T0 - DAY + i * 1000) })];
    }
    await writeFile(join(dir, HISTORY_FILE), JSON.stringify({ schema: HISTORY_SCHEMA, endpoints }));
    const h = openHistory({ directory: dir, now: () => new Date(T0) });
    expect(await h.keysOf('quick')).toHaveLength(MAX_ENDPOINTS);
    const fresh = historyKey('quick', { protocol: 'imap', host: 'new.example.org', port: 993 });
    await h.add(fresh, record({ checkedAt: at(T0) }));
    const keys = await h.keysOf('quick');
    expect(keys).toHaveLength(MAX_ENDPOINTS);
    expect(keys).toContain(fresh);
    expect(keys).not.toContain(keyOf(0));
    expect(keys).toContain(keyOf(1));
    expect(keys).toContain(keyOf(MAX_ENDPOINTS - 1));
  });

  it('drops records past the retention period at the next add', async () => {
    let now = T0;
    const h = openHistory({ directory: dir, retentionDays: 7, now: () => new Date(now) });
    const other = historyKey('acct-2', { protocol: 'pop3', host: 'pop.example.org', port: 995 });
    await h.add(key, record({ checkedAt: at(T0 - 6 * DAY) }));
    await h.add(key, record({ checkedAt: at(T0 - DAY) }));
    await h.add(other, record({ checkedAt: at(T0 - 5 * DAY) }));
    expect(await h.list(key)).toHaveLength(2);

    now = T0 + 2 * DAY + 1; // the first record is now 8 days old, the other endpoint's 7
    // Reading prunes nothing: only the next add does.
    expect(await h.list(key)).toHaveLength(2);
    const previous = await h.add(key, record({ checkedAt: at(now) }));
    expect(previous?.checkedAt).toBe(at(T0 - DAY));
    expect((await h.list(key)).map((r) => r.checkedAt)).toEqual([at(now), at(T0 - DAY)]);
    // An endpoint whose every record is too old goes altogether.
    expect(await h.list(other)).toEqual([]);
    expect(await h.keysOf('acct-2')).toEqual([]);
    const file = JSON.parse(await readFile(h.path, 'utf8')) as { endpoints: object };
    expect(Object.keys(file.endpoints)).toEqual([key]);
  });

  it('the default retention keeps 180 days', async () => {
    let now = T0;
    const h = openHistory({ directory: dir, now: () => new Date(now) });
    await h.add(key, record({ checkedAt: at(T0) }));
    now = T0 + 179 * DAY;
    await h.add(key, record({ checkedAt: at(now) }));
    expect(await h.list(key)).toHaveLength(2);
    now = T0 + 181 * DAY;
    await h.add(key, record({ checkedAt: at(now) }));
    expect((await h.list(key)).map((r) => r.checkedAt)).toEqual([at(now), at(T0 + 179 * DAY)]);
  });

  it('keysOf: the keys of one owner only (an owner is not a prefix of another)', async () => {
    const h = openHistory({ directory: dir, now: () => new Date(T0) });
    const mine = [
      historyKey('acct-1', { protocol: 'imap', host: 'a.example.org', port: 993 }),
      historyKey('acct-1', { protocol: 'submission', host: 'a.example.org', port: 587 }),
    ];
    const theirs = historyKey('acct-10', { protocol: 'imap', host: 'b.example.org', port: 993 });
    const quick = historyKey('quick', { protocol: 'imap', host: 'a.example.org', port: 993 });
    for (const k of [...mine, theirs, quick]) await h.add(k, record({ checkedAt: at(T0) }));
    expect((await h.keysOf('acct-1')).sort()).toEqual([...mine].sort());
    expect(await h.keysOf('acct-10')).toEqual([theirs]);
    expect(await h.keysOf('quick')).toEqual([quick]);
    expect(await h.keysOf('acct')).toEqual([]);
  });

  it('latest: the newest record of every endpoint, with the key split into its parts', async () => {
    const h = openHistory({ directory: dir, now: () => new Date(T0) });
    await h.add(key, record({ checkedAt: at(T0 - DAY) }));
    await h.add(key, record({ checkedAt: at(T0), verdict: 'not-encrypted' }));
    expect(await h.latest()).toEqual([
      {
        owner: 'acct-1',
        protocol: 'imap',
        host: 'mail.example.org',
        port: 993,
        checkedAt: at(T0),
        verdict: 'not-encrypted',
      },
    ]);
  });

  it('a damaged file: a clear error naming the kept copy; startEmpty starts again', async () => {
    await writeFile(join(dir, HISTORY_FILE), '{"schema": "sealcheck.history/1", "endpo');
    const h = openHistory({ directory: dir, now: () => new Date(T0) });
    const err = await h.list(key).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(StoreError);
    const e = err as StoreError;
    expect(e.kind).toBe('damaged');
    expect(e.message).toContain(`Check history at ${h.path} is damaged: it is not valid JSON`);
    expect(e.message).toContain(`A copy was kept at ${e.keptAt ?? '?'}`);
    expect(await readFile(e.keptAt ?? '', 'utf8')).toBe('{"schema": "sealcheck.history/1", "endpo');
    // Adding is refused too; nothing is replaced until asked.
    await expect(h.add(key, record())).rejects.toMatchObject({ kind: 'damaged' });
    await expect(h.keysOf('acct-1')).rejects.toMatchObject({ kind: 'damaged' });
    await h.startEmpty();
    expect(await h.list(key)).toEqual([]);
    const fresh = record({ checkedAt: at(T0) });
    expect(await h.add(key, fresh)).toBeNull();
    expect(await h.list(key)).toEqual([fresh]);
    // The damaged copy stays beside the new file.
    expect((await readdir(dir)).filter((n) => n.includes('damaged'))).toHaveLength(1);
  });

  it('a foreign file (JSON, but not a history) is damaged too, and names what is wrong', async () => {
    const foreign = JSON.stringify({ schema: 'sealcheck.accounts/1', accounts: [] });
    await writeFile(join(dir, HISTORY_FILE), foreign);
    const h = openHistory({ directory: dir });
    await expect(h.list(key)).rejects.toMatchObject({
      kind: 'damaged',
      message: expect.stringContaining('it is not a valid check history (') as unknown,
    });
    // A record with text where a verdict goes is not a history either.
    await h.startEmpty();
    const bad = {
      schema: HISTORY_SCHEMA,
      endpoints: { [key]: [{ ...record(), verdict: 'fine' }] },
    };
    await writeFile(h.path, JSON.stringify(bad));
    await expect(h.list(key)).rejects.toMatchObject({ kind: 'damaged' });
    await h.startEmpty();
    expect(await h.list(key)).toEqual([]);
  });

  it('a history from a newer Sealcheck is left alone, and startEmpty does not replace it', async () => {
    const newer = JSON.stringify({ schema: 'sealcheck.history/2', endpoints: {}, more: 1 });
    await writeFile(join(dir, HISTORY_FILE), newer);
    const h = openHistory({ directory: dir });
    await expect(h.list(key)).rejects.toMatchObject({ kind: 'newer-schema' });
    await expect(h.add(key, record())).rejects.toMatchObject({ kind: 'newer-schema' });
    await expect(h.startEmpty()).rejects.toMatchObject({ kind: 'newer-schema' });
    expect(await readFile(h.path, 'utf8')).toBe(newer);
  });

  it('startEmpty on a good history changes nothing', async () => {
    const h = openHistory({ directory: dir, now: () => new Date(T0) });
    await h.add(key, record({ checkedAt: at(T0) }));
    await h.startEmpty();
    expect(await h.list(key)).toHaveLength(1);
  });

  it('holds no transcript, server text or password: only ids, verdicts and fingerprints', async () => {
    const password = 'pw-canary-8d1f0c';
    const serverText = 'greeting-canary-51aa';
    const address = goodAddress('starttls', {
      ...presenting(leaf),
      greeting: { lines: [`* OK ${serverText}`], kind: 'ok' },
      capabilitiesBeforeTls: caps({ raw: ['IMAP4rev1', 'STARTTLS', `X-${serverText}`] }),
      transcript: [
        { at: 1, dir: 'received', text: `* OK ${serverText}`, tls: false },
        { at: 2, dir: 'sent', text: `A1 LOGIN alice ${password}`, tls: true },
      ],
    });
    const j = judge(facts(target(), address));
    const h = openHistory({ directory: dir });
    await h.add(key, recordOf(j, new Date().toISOString()));
    const text = await readFile(h.path, 'utf8');
    expect(text).not.toContain(password);
    expect(text).not.toContain(serverText);
    expect(text).not.toContain('LOGIN');
    expect(text).not.toContain('mail.example.org:'); // no subject/host beyond the key
    expect(text).toContain(sha256Of(leaf.b64));
  });
});
