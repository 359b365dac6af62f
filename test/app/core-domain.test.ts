/**
 * The window's domain check (app/main/core-checks.ts, 'domain.check') against the domain world
 * (test/bed/domain-world.ts: knot and a validating unbound, an MTA-STS server, the bed's Postfix
 * as MX hosts): the view it returns, progress scoped per mail server, cancel, and the account's
 * exports, which include the domain of its address once that was checked.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Account } from '../../app/core/accounts/model';
import { createChecks, type Checks, type RunContext } from '../../app/main/core-checks';
import { PublicError } from '../../app/main/errors';
import { startDomainWorld, type DomainWorld } from '../bed/domain-world';
import { bedLookup, findEndpoint, loadBed, type BedDescription } from '../bed/endpoints';

let bed: BedDescription;
let world: DomainWorld;
let directory: string;
let checks: Checks;

beforeAll(async () => {
  bed = loadBed();
  world = await startDomainWorld(bed);
  directory = await mkdtemp(join(tmpdir(), 'sealcheck-domain-'));
  const o = world.options;
  checks = createChecks({
    dataDirectory: directory,
    version: '9.9.9-test',
    network: {
      lookup: bedLookup,
      extraCa: [world.rootCa],
      domain: {
        dnsServers: o.dnsServers ?? [],
        httpsPort: o.httpsPort ?? 443,
        connectTo: o.connectTo ?? [],
        extraCa: [world.https.ca],
        scan: 'off',
        probeTimeouts: o.probeTimeouts ?? {},
      },
    },
  });
}, 120_000);

afterAll(async () => {
  await world?.stop();
  if (directory) await rm(directory, { recursive: true, force: true });
});

function context(signal?: AbortSignal) {
  const events: { step: string; state: string; scope: string }[] = [];
  const ctx: RunContext = {
    runId: `run-${randomBytes(4).toString('hex')}`,
    signal: signal ?? new AbortController().signal,
    onProgress: (step, state, scope) => events.push({ step, state, scope }),
  };
  return { ctx, events };
}

function account(address: string): Account {
  return {
    id: `acct-${randomBytes(4).toString('hex')}`,
    displayName: '',
    address,
    username: 'alice',
    incoming: {
      protocol: 'imap',
      host: 'mail.test.example',
      port: findEndpoint(bed, 'dovecot-imap-implicit-good').port,
      security: 'implicit',
    },
    outgoing: null,
    chat: null,
    certificateExceptions: [],
    source: 'manual',
    authentication: 'password',
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
  };
}

describe('domain.check', () => {
  it('enforced MTA-STS: the view in words, with the mail servers and progress per server', async () => {
    const { ctx, events } = context();
    const view = await checks['domain.check']('alice@enforce.plain.example', ctx);
    expect(view).toMatchObject({
      schema: 'sealcheck.domain-view/1',
      domain: 'enforce.plain.example',
      verdict: 'protected',
      headline: 'Encrypted and enforced',
      attention: [],
    });
    expect(view.hosts.map((h) => [h.preference, h.host, h.policy])).toEqual([
      [10, 'mail.test.example', 'listed'],
    ]);
    expect(view.hosts[0]?.transport).toMatch(/^encrypted \(TLS 1\.[23]\), certificate verified$/);
    expect(events.some((e) => e.scope === 'mail.test.example' && e.step === 'starttls')).toBe(true);
  }, 30_000);

  it('a server without encryption: what needs attention, worst first', async () => {
    const view = await checks['domain.check']('cleartext.plain.example', context().ctx);
    expect(view.verdict).toBe('plaintext');
    expect(view.attention[0]).toMatchObject({
      id: 'mx.no-starttls',
      severity: 'critical',
      host: 'plain.test.example',
    });
    expect(view.attention[0]?.whoCanFixText.length).toBeGreaterThan(3);
  }, 30_000);

  it('a domain that does not exist: could not check, never good', async () => {
    const view = await checks['domain.check']('absent.plain.example', context().ctx);
    expect(view.verdict).toBe('could-not-check');
    expect(view.hosts).toEqual([]);
  }, 30_000);

  it('refuses what is not a domain, and stops when cancelled', async () => {
    await expect(checks['domain.check']('not a domain', context().ctx)).rejects.toMatchObject({
      code: 'invalid-arguments',
    });
    const controller = new AbortController();
    controller.abort();
    const err = await checks['domain.check']('enforce.plain.example', context(controller.signal).ctx)
      .then(() => null, (e: unknown) => e); // prettier-ignore
    expect(err).toBeInstanceOf(PublicError);
    expect((err as PublicError).code).toBe('cancelled');
  }, 30_000);
});

describe('exports of an account check', () => {
  it('include the domain of its address once it was checked, escaped for each format', async () => {
    const a = account('alice@testing.plain.example');
    const { ctx } = context();
    const view = await checks['checks.runAccount'](a, ctx);
    expect(view.mailDomain).toBe('testing.plain.example');

    const before = await checks['checks.export'](ctx.runId, 'markdown');
    expect(before.content).not.toContain('Mail to testing.plain.example');

    const domain = await checks['domain.check']('testing.plain.example', context().ctx);
    expect(domain.verdict).toBe('downgrade-possible');

    const md = await checks['checks.export'](ctx.runId, 'markdown');
    expect(md.content).toContain('## Mail to testing.plain.example: Encrypted, but not enforced');
    expect(md.content).toContain('| 10 | mail.test.example | 127.0.0.1 |');

    const html = await checks['checks.export'](ctx.runId, 'html');
    expect(html.content).toContain('<h2>Mail sent to testing.plain.example</h2>');
    expect(html.content).toContain('<td>mail.test.example</td>');
    expect(html.content).not.toMatch(/<script/i);

    const json = JSON.parse((await checks['checks.export'](ctx.runId, 'json')).content) as {
      domain?: { view: { domain: string }; findings: { id: string }[]; facts: { domain: string } };
    };
    expect(json.domain?.view.domain).toBe('testing.plain.example');
    expect(json.domain?.facts.domain).toBe('testing.plain.example');
    expect(json.domain?.findings.map((f) => f.id)).toContain('mta-sts.testing');
  }, 60_000);

  it('a chat-only account has no mail domain, so no domain section', async () => {
    const a = { ...account('alice@nopolicy.plain.example'), incoming: null };
    const chat = await checks['checks.runAccount'](
      {
        ...a,
        chat: {
          protocol: 'xmpp',
          host: 'mail.test.example',
          port: findEndpoint(bed, 'prosody-xmpp-starttls-good').port,
          security: 'starttls',
        },
      },
      context().ctx,
    );
    expect(chat.mailDomain).toBeNull();
  }, 30_000);
});
