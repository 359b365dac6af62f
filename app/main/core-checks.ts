/**
 * The checks core performs for the window, beside the account operations (core-service.ts):
 * an account's check, a quick check of a server name, the history and what changed, exports
 * (help-desk Markdown, a printable HTML report, the JSON), the fingerprint comparison, and the
 * settings (timeouts, a company's root certificate). No electron here.
 *
 * Each check has a run id; its progress goes out as events with that id, scoped by endpoint, and
 * its cancel (CoreClient.cancel) aborts it. The last results stay in memory (a few) so the window
 * can export them or compare a fingerprint without running the check again.
 */
import type { TlsSessionCache } from '../core/net/tls-sessions';
import { randomUUID } from 'node:crypto';
import type { Account } from '../core/accounts/model';
import { assessAccount } from '../core/assess/account';
import {
  compareFingerprint,
  defaultTrustStores,
  normaliseFingerprint,
  type TrustStores,
} from '../core/cert';
import { checkDomain, type DomainCheckOptions } from '../core/domain/check';
import { judgeDomain, type DomainJudgement } from '../core/domain/judge';
import { mailDomainOf } from '../core/domain/name';
import { changeText } from '../core/explain/changes';
import { fingerprintWords } from '../core/explain/clients';
import { domainMarkdown, domainView, type DomainView } from '../core/explain/domain-view';
import { helpdeskMarkdown } from '../core/explain/helpdesk';
import { decodeWarning, warningView } from '../core/explain/warning';
import type { EndpointTarget } from '../core/facts/endpoint';
import { judgeEndpoint, type Judgement } from '../core/findings/judge';
import { accountVerdict, refusedEverywhere } from '../core/findings/verdict';
import {
  changesBetween,
  historyKey,
  openHistory,
  recordOf,
  type HistoryRecord,
  type LatestCheck,
} from '../core/history/store';
import { probeEndpoint, type ProbeOptions } from '../core/probe';
import { standardTargets } from '../core/protocols/registry';
import { checkReportHtml } from '../core/report/html';
import { openReport } from '../core/report/open';
import { checkView, type CheckView, type EndpointInput } from '../core/report/view';
import { PublicError } from './errors';
import { openSettings, type SettingsFile } from './settings-file';

export interface RunContext {
  readonly runId: string;
  readonly signal: AbortSignal;
  readonly onProgress: (step: string, state: 'started' | 'done' | 'failed', scope: string) => void;
}

export interface ChecksDeps {
  readonly dataDirectory: string;
  readonly version: string;
  /** Name resolution and trust for tests (the bed); connect-to rules for tests. */
  readonly network?: Pick<ProbeOptions, 'lookup' | 'connectTo'> & {
    readonly extraCa?: readonly string[];
    /** The domain check's network for tests: a chosen resolver, the MX port mapping, the HTTPS port. */
    readonly domain?: DomainNetwork;
  };
  readonly now?: () => Date;
  /** TLS sessions the account checks leave for the login check (net/tls-sessions.ts). */
  readonly sessions?: TlsSessionCache;
}

/**
 * What a test may change about the domain check's network (the DNS bed's resolver, connect-to
 * rules from port 25 to the bed's Postfix, the MTA-STS server's port and certificate, no scan).
 * Only the harness passes this; the app's utility process never does, so a real check always
 * uses the system's resolver, port 25 and port 443.
 */
export type DomainNetwork = Pick<
  DomainCheckOptions,
  'dnsServers' | 'smtpPort' | 'httpsPort' | 'connectTo' | 'extraCa' | 'scan' | 'probeTimeouts'
>;

export type SettingsView = Omit<SettingsFile, 'schema' | 'extraRoots'> & {
  readonly extraRoots: readonly { readonly label: string }[];
};

/** How many finished checks stay in memory for exports and comparisons. */
const KEPT_RUNS = 20;
/** How many earlier checks of an endpoint a result lists. */
const EARLIER_SHOWN = 5;

interface KeptRun {
  readonly view: CheckView;
  readonly judgements: readonly Judgement[];
}

interface KeptDomain {
  readonly view: DomainView;
  readonly judgement: DomainJudgement;
}

/** ProgressEvent scopes are at most 64 characters; an MX name can be longer. */
const scopeOf = (host: string): string => (host.length <= 64 ? host : `${host.slice(0, 63)}…`);

export function createChecks(deps: ChecksDeps) {
  const now = deps.now ?? (() => new Date());
  const history = openHistory({ directory: deps.dataDirectory, now });
  const settings = openSettings(deps.dataDirectory);
  const kept = new Map<string, KeptRun>();
  const keep = (run: KeptRun): void => {
    kept.set(run.view.runId, run);
    while (kept.size > KEPT_RUNS) kept.delete(kept.keys().next().value as string);
  };
  // The last domain checks, by domain: an account's exports include its domain's when there is one.
  const domains = new Map<string, KeptDomain>();
  const keepDomain = (d: KeptDomain): void => {
    domains.delete(d.view.domain);
    domains.set(d.view.domain, d);
    while (domains.size > KEPT_RUNS) domains.delete(domains.keys().next().value as string);
  };
  const runOf = (runId: string): KeptRun => {
    const run = kept.get(runId);
    if (!run)
      throw new PublicError('not-found', 'That check is no longer available; run it again.');
    return run;
  };

  async function probeSetup(): Promise<{
    trust: TrustStores;
    extraCa: string[];
    timeoutMs: number;
  }> {
    const s = await settings.read();
    const extraCa = [...(deps.network?.extraCa ?? []), ...s.extraRoots.map((r) => r.pem)];
    return { trust: defaultTrustStores(extraCa), extraCa, timeoutMs: s.timeoutSeconds * 1000 };
  }

  /** History: records every endpoint; returns, per endpoint, what changed and the earlier checks. */
  async function remember(
    owner: string,
    judgements: readonly Judgement[],
    checkedAt: string,
  ): Promise<{ changes: string[]; earlier: HistoryRecord[] }[]> {
    const out: { changes: string[]; earlier: HistoryRecord[] }[] = [];
    // One after the other: each add rewrites the one history file.
    for (const j of judgements) {
      const record = recordOf(j, checkedAt);
      const key = historyKey(owner, j.facts.target);
      const previous = await history.add(key, record);
      const earlier = (await history.list(key)).slice(1, 1 + EARLIER_SHOWN);
      out.push({ changes: changesBetween(previous, record).map(changeText), earlier });
    }
    return out;
  }

  return {
    'checks.runAccount': async (account: Account, ctx: RunContext): Promise<CheckView> => {
      const { trust, extraCa, timeoutMs } = await probeSetup();
      const assessment = await assessAccount(account, {
        trust,
        now: now(),
        extraCa,
        overallTimeoutMs: timeoutMs,
        signal: ctx.signal,
        ...(deps.network?.lookup ? { lookup: deps.network.lookup } : {}),
        ...(deps.network?.connectTo ? { connectTo: deps.network.connectTo } : {}),
        onProgress: (role, e) => ctx.onProgress(e.step, e.state, role),
        ...(deps.sessions ? { sessions: deps.sessions } : {}),
      });
      if (ctx.signal.aborted) throw new PublicError('cancelled', 'The check was cancelled.');
      const checkedAt = now().toISOString();
      const judgements = assessment.endpoints.map((e) => e.judgement);
      const changes = await remember(account.id, judgements, checkedAt);
      const view = checkView({
        runId: ctx.runId,
        title: account.displayName || account.address,
        checkedAt,
        accountId: account.id,
        mailDomain: account.incoming || account.outgoing ? mailDomainOf(account.address) : null,
        verdict: assessment.verdict,
        endpoints: assessment.endpoints.map((e, i): EndpointInput => ({
          role: e.role,
          judgement: e.judgement,
          ...changes[i],
        })),
      });
      keep({ view, judgements });
      return view;
    },

    'checks.runQuick': async (host: string, ctx: RunContext): Promise<CheckView> => {
      const { trust, extraCa, timeoutMs } = await probeSetup();
      const targets: EndpointTarget[] = standardTargets(host);
      const judgements = await Promise.all(
        targets.map(async (t) => {
          const scope = `${t.protocol}:${t.port}`;
          const facts = await probeEndpoint(t, {
            extraCa,
            overallTimeoutMs: timeoutMs,
            injectionTest: t.security === 'starttls',
            signal: ctx.signal,
            ...(deps.network?.lookup ? { lookup: deps.network.lookup } : {}),
            ...(deps.network?.connectTo ? { connectTo: deps.network.connectTo } : {}),
            onProgress: (e) => ctx.onProgress(e.step, e.state, scope),
          });
          return judgeEndpoint(facts, { trust, now: now() });
        }),
      );
      if (ctx.signal.aborted) throw new PublicError('cancelled', 'The check was cancelled.');
      // Ports nothing listens on are left out: most hosts serve a few of the standard ones.
      const served = judgements.filter((j) => !refusedEverywhere(j.facts));
      const checkedAt = now().toISOString();
      const changes = await remember('quick', served, checkedAt);
      const view = checkView({
        runId: ctx.runId,
        title: host,
        checkedAt,
        accountId: null,
        verdict: accountVerdict(served.map((j) => j.verdict)),
        endpoints: served.map((j, i) => ({ role: null, judgement: j, ...changes[i] })),
      });
      keep({ view, judgements: served });
      return view;
    },

    'domain.check': async (domain: string, ctx: RunContext): Promise<DomainView> => {
      const name = mailDomainOf(domain);
      if (name === null) {
        throw new PublicError('invalid-arguments', 'That is not a domain name or a mail address.');
      }
      const { trust, extraCa, timeoutMs } = await probeSetup();
      const { extraCa: testCa = [], ...network } = deps.network?.domain ?? {};
      const allCa = [...extraCa, ...testCa];
      const cancelled = () => new PublicError('cancelled', 'The check was cancelled.');
      let facts;
      try {
        facts = await checkDomain(name, {
          ...network,
          extraCa: allCa,
          probeTimeoutMs: timeoutMs,
          signal: ctx.signal,
          version: deps.version,
          onProgress: (e) => ctx.onProgress(e.step, e.state, scopeOf(e.host)),
        });
      } catch (err) {
        if (ctx.signal.aborted) throw cancelled();
        throw err;
      }
      if (ctx.signal.aborted) throw cancelled();
      const judgement = judgeDomain(facts, {
        // The same stores as the endpoint checks; a test's extra roots join them.
        trust: testCa.length > 0 ? defaultTrustStores(allCa) : trust,
        now: now(),
      });
      const view = domainView(judgement);
      keepDomain({ view, judgement });
      return view;
    },

    'checks.history': async (
      owner: string,
      protocol: string,
      host: string,
      port: number,
    ): Promise<HistoryRecord[]> => history.list(historyKey(owner, { protocol, host, port })),

    'checks.latest': async (): Promise<LatestCheck[]> => history.latest(),

    'checks.export': async (runId: string, format: 'markdown' | 'html' | 'json') => {
      const { view, judgements } = runOf(runId);
      const domain = view.mailDomain !== null ? (domains.get(view.mailDomain) ?? null) : null;
      const stamp = view.checkedAt.slice(0, 10);
      const base = `sealcheck-${view.title.replace(/[^\w.-]+/g, '_').slice(0, 60)}-${stamp}`;
      switch (format) {
        case 'markdown':
          return {
            fileName: `${base}.md`,
            content:
              helpdeskMarkdown(judgements, {
                generatedAt: view.checkedAt,
                version: deps.version,
                changes: view.endpoints.map((e) => e.changes),
              }) + (domain ? `\n${domainMarkdown(domain.view, { version: deps.version })}` : ''),
          };
        case 'html':
          return {
            fileName: `${base}.html`,
            content: checkReportHtml(view, deps.version, domain?.view ?? null),
          };
        case 'json':
          return {
            fileName: `${base}.sealcheck`,
            content: `${JSON.stringify(
              {
                schema: 'sealcheck.report/1',
                version: deps.version,
                view,
                facts: judgements.map((j) => j.facts),
                // The domain check of the account's domain, when one was run.
                ...(domain
                  ? {
                      domain: {
                        view: domain.view,
                        findings: domain.judgement.findings,
                        facts: domain.judgement.facts,
                      },
                    }
                  : {}),
              },
              null,
              2,
            )}\n`,
          };
      }
    },

    /**
     * A report file opened from disk (untrusted: report/open.ts): its facts judged again with
     * this computer's trust, kept like a check so it can be exported; the file's claims named.
     */
    'checks.openReport': async (
      runId: string,
      fileName: string,
      text: string,
    ): Promise<CheckView> => {
      const { trust } = await probeSetup();
      const opened = openReport(text, { trust, runId, now: now() });
      if (!opened.ok) throw new PublicError('invalid-arguments', `${fileName}: ${opened.problem}`);
      const { report } = opened;
      const view: CheckView = {
        ...report.view,
        savedReport: {
          fileName,
          claimedVersion: report.claimed.version,
          claimedCheckedAt: report.claimed.checkedAt,
          notes: [...report.notes],
        },
      };
      keep({ view, judgements: report.judgements });
      return view;
    },

    'checks.decodeWarning': async (runId: string, endpointIndex: number, text: string) => {
      const { view, judgements } = runOf(runId);
      const j = judgements[endpointIndex];
      if (!j) throw new PublicError('not-found', 'That server is not part of this check.');
      return warningView(
        decodeWarning(text),
        j.findings,
        view.endpoints[endpointIndex]?.host ?? j.facts.target.host,
        j.certificates.length > 0,
      );
    },

    'checks.compareFingerprint': async (runId: string, endpointIndex: number, text: string) => {
      const { view, judgements } = runOf(runId);
      const j = judgements[endpointIndex];
      const analysis = j?.certificates[0];
      if (!j || !analysis)
        throw new PublicError('not-found', 'That server showed no certificate to compare with.');
      const normal = normaliseFingerprint(text);
      if (!normal) {
        throw new PublicError(
          'invalid-arguments',
          'That is not a SHA-256 or SHA-1 fingerprint (64 or 40 hex digits).',
        );
      }
      const comparison = compareFingerprint(analysis, text);
      const words = fingerprintWords(
        comparison,
        view.endpoints[endpointIndex]?.host ?? j.facts.target.host,
        analysis,
        text,
      );
      return {
        match: comparison.result,
        given: normal.colonHex,
        sentence: words.result,
        meaning: words.meaning,
      };
    },

    'settings.get': async (): Promise<SettingsView> => {
      const s = await settings.read();
      return {
        timeoutSeconds: s.timeoutSeconds,
        extraRoots: s.extraRoots.map((r) => ({ label: r.label })),
      };
    },

    'settings.setTimeout': async (seconds: number): Promise<null> =>
      settings.change((s) => ({ value: { ...s, timeoutSeconds: seconds }, result: null })),

    'settings.addRoot': async (label: string, pem: string): Promise<null> => {
      if (!/-----BEGIN CERTIFICATE-----[\s\S]+-----END CERTIFICATE-----/.test(pem)) {
        throw new PublicError('invalid-arguments', 'The file holds no certificate (PEM).');
      }
      return settings.change((s) => ({
        value: {
          ...s,
          extraRoots: [...s.extraRoots.filter((r) => r.label !== label), { label, pem }],
        },
        result: null,
      }));
    },

    'settings.removeRoot': async (label: string): Promise<null> =>
      settings.change((s) => ({
        value: { ...s, extraRoots: s.extraRoots.filter((r) => r.label !== label) },
        result: null,
      })),
  };
}

export type Checks = ReturnType<typeof createChecks>;

/** A run id for callers that have none (tests). */
export const newRunId = (): string => randomUUID();
