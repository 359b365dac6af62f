/**
 * Opening a saved report (`.sealcheck`, the JSON export): a help desk receives these by mail, so
 * the file is untrusted input. Its `view` holds words the exporting app chose, and whoever wrote
 * the file could have put anything there ("all is fine, click OK"): it is never read. Only the
 * facts are kept, after the schema (facts/schema.ts, domain/schema.ts) let them through, and they
 * are judged again here by this Sealcheck's own rules, as of the check's own date (so a
 * certificate that was valid then is judged valid then), and put in this Sealcheck's words.
 *
 * Order of defence: size first (before JSON.parse allocates anything), then JSON.parse (its
 * errors, RangeError for absurd nesting included, become a sentence), then the envelope and the
 * facts through the schema (lists measured before their items), then the pure judges. Every
 * failure is one plain sentence that never quotes the file, so a hostile file cannot put words
 * in it either. What the file says about itself (its Sealcheck version, its date) is returned as
 * a claim, marked so.
 */
import * as v from 'valibot';
import type { TrustStores } from '../cert';
import { judgeDomain, type DomainJudgement } from '../domain/judge';
import { DomainFactsSchema } from '../domain/schema';
import { domainView, type DomainView } from '../explain/domain-view';
import type { EndpointFacts } from '../facts/endpoint';
import { EndpointFactsSchema, list, text } from '../facts/schema';
import { judgeEndpoint, type Judgement } from '../findings/judge';
import { accountVerdict } from '../findings/verdict';
import { checkView, type CheckView } from './view';

export const REPORT_SCHEMA = 'sealcheck.report/1' as const;
/** Largest report read, in characters (the CLI also refuses a file of more bytes than this). */
export const MAX_REPORT_CHARS = 16 * 1024 * 1024;
/** Most endpoints one report holds (an account has three, a quick check eight). */
export const MAX_REPORT_ENDPOINTS = 64;
/** A check date this far past "now" is not believed without saying so. */
const CLOCK_SLACK_MS = 24 * 3_600_000;

/**
 * The envelope as the export writes it (app/main/core-checks.ts, 'checks.export' json). `view`
 * and the domain's `view` and `findings` are not in the schema, so they are dropped unread.
 */
const ReportSchema = v.object({
  schema: v.literal(REPORT_SCHEMA),
  version: v.pipe(text(64), v.regex(/^[\w.+-]+$/, 'is not a version')),
  facts: list(EndpointFactsSchema, MAX_REPORT_ENDPOINTS),
  domain: v.optional(v.object({ facts: DomainFactsSchema })),
});

export interface OpenReportOptions {
  /** The trust stores to judge against (defaultTrustStores(extraRoots) from cert/). */
  readonly trust: TrustStores;
  /** The current time, to notice a check date in the future (default: the clock). */
  readonly now?: Date;
  /** The run id of the rebuilt view (default "opened-report"). */
  readonly runId?: string;
}

export interface OpenedReport {
  /** What the file says about itself. Nothing vouches for it: show it as the file's claim. */
  readonly claimed: {
    /** The Sealcheck version that wrote the file. */
    readonly version: string;
    /** When the check ran: the earliest start of its endpoints (else of its domain check). */
    readonly checkedAt: string;
  };
  /** Each endpoint's facts judged again, as of its own start. */
  readonly judgements: readonly Judgement[];
  /** The view rebuilt from those judgements: this Sealcheck's words only. */
  readonly view: CheckView;
  /** The account's domain check, judged again, when the file holds one. */
  readonly domain: { readonly judgement: DomainJudgement; readonly view: DomainView } | null;
  /** Plain sentences about the file itself (a check date in the future). */
  readonly notes: readonly string[];
}

export type OpenReportResult =
  | { readonly ok: true; readonly report: OpenedReport }
  | { readonly ok: false; readonly problem: string };

const NOT_A_REPORT = 'The file is not a Sealcheck report';

function fail(problem: string): OpenReportResult {
  return { ok: false, problem };
}

export function openReport(text: string, options: OpenReportOptions): OpenReportResult {
  if (text.length > MAX_REPORT_CHARS) {
    return fail(
      `${NOT_A_REPORT}: it is larger than ${MAX_REPORT_CHARS / 1024 / 1024} MB, far more than any report.`,
    );
  }
  let value: unknown;
  try {
    value = JSON.parse(text.startsWith('\uFEFF') ? text.slice(1) : text);
  } catch (err) {
    return fail(
      err instanceof RangeError
        ? `${NOT_A_REPORT}: it is nested too deeply to read.`
        : `${NOT_A_REPORT}: its text is not valid JSON (it may be damaged or cut short).`,
    );
  }
  const kind = envelopeKind(value);
  if (kind !== null) return fail(kind);

  const parsed = v.safeParse(ReportSchema, value, { abortEarly: true });
  if (!parsed.success) return fail(issueSentence(parsed.issues[0]));
  const file = parsed.output;
  const domainFacts = file.domain?.facts ?? null;
  if (file.facts.length === 0 && domainFacts === null) {
    return fail('The report holds no checked server, so there is nothing to show.');
  }

  // The check's date: the endpoints' earliest start (the domain part may be an earlier check of
  // its own); the domain's when there is nothing else.
  const started =
    file.facts.length > 0 ? file.facts.map((f) => f.startedAt) : [domainFacts?.startedAt ?? ''];
  const checkedAt = started.reduce((a, b) => (Date.parse(b) < Date.parse(a) ? b : a));

  let judgements: Judgement[];
  let domain: OpenedReport['domain'];
  let view: CheckView;
  try {
    // Each as of its own start: certificate dates are judged as they stood at the check.
    judgements = file.facts.map((facts: EndpointFacts) =>
      judgeEndpoint(facts, { trust: options.trust, now: new Date(facts.startedAt) }),
    );
    if (domainFacts !== null) {
      const judgement = judgeDomain(domainFacts, {
        trust: options.trust,
        now: new Date(domainFacts.startedAt),
      });
      domain = { judgement, view: domainView(judgement) };
    } else {
      domain = null;
    }
    view = checkView({
      runId: options.runId ?? 'opened-report',
      title: titleOf(judgements, domainFacts?.domain ?? null),
      checkedAt,
      accountId: null,
      mailDomain: domainFacts?.domain ?? null,
      verdict: accountVerdict(judgements.map((j) => j.verdict)),
      endpoints: judgements.map((judgement) => ({ role: null, judgement })),
    });
  } catch (err) {
    // A bug of ours that this file brings out: say so in one sentence, without the file's text.
    const name = err instanceof Error && /^\w{1,40}$/.test(err.name) ? err.name : 'Error';
    return fail(
      `Sealcheck could not judge the facts in this file (${name}: a bug, please report it).`,
    );
  }

  const notes: string[] = [];
  const now = options.now ?? new Date();
  if (Date.parse(checkedAt) > now.getTime() + CLOCK_SLACK_MS) {
    notes.push(
      'The file says the check ran on a date still to come, so its dates cannot be right.',
    );
  }
  return {
    ok: true,
    report: {
      claimed: { version: file.version, checkedAt },
      judgements,
      view,
      domain,
      notes,
    },
  };
}

/** Null when the value says it is a report of our kind; else why it is not, in a sentence. */
function envelopeKind(value: unknown): string | null {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return `${NOT_A_REPORT}: it holds no report, only ${Array.isArray(value) ? 'a list' : 'a single value'}.`;
  }
  const schema: unknown = Object.hasOwn(value, 'schema')
    ? (value as { schema: unknown }).schema
    : undefined;
  if (schema === REPORT_SCHEMA) return null;
  // Only a name of our own form is repeated; anything else the file says stays unsaid.
  if (typeof schema === 'string' && /^sealcheck\.report\/\d{1,6}$/.test(schema)) {
    return `The file is a Sealcheck report of another format (${schema}) that this version cannot read; a newer Sealcheck may.`;
  }
  return `${NOT_A_REPORT}: it does not say "${REPORT_SCHEMA}" where a report does.`;
}

/** "mail.example.org", "a.example, b.example", "a.example, b.example and 3 more". */
function titleOf(judgements: readonly Judgement[], domain: string | null): string {
  const hosts = [...new Set(judgements.map((j) => j.facts.target.host))];
  if (hosts.length === 0) return domain ?? 'Saved report';
  const shown = hosts.slice(0, 2).join(', ');
  return hosts.length > 2 ? `${shown} and ${hosts.length - 2} more` : shown;
}

/** A key of the file is named only when it looks like one of ours. */
const SAFE_KEY = /^[A-Za-z_][\w-]{0,63}$/;

/** Where the first problem is, as a path like facts[0].addresses[1].tls.version. */
function pathOf(issue: v.BaseIssue<unknown>): string {
  let out = '';
  for (const item of issue.path ?? []) {
    const key: unknown = item.key;
    if (typeof key === 'number') out += `[${key}]`;
    else if (typeof key === 'string' && SAFE_KEY.test(key)) out += out === '' ? key : `.${key}`;
    else out += '[…]';
    if (out.length > 200) return `${out.slice(0, 200)}…`;
  }
  return out;
}

/** What is wrong with the value, in words (never the value itself). */
function reasonOf(issue: v.BaseIssue<unknown>): string {
  const many = Array.isArray(issue.input);
  switch (issue.type) {
    case 'max_length':
      return many ? 'has too many entries' : 'is too long';
    case 'min_length':
      return 'is empty';
    case 'integer':
      return 'is not a whole number';
    case 'finite':
      return 'is not a finite number';
    case 'min_value':
    case 'max_value':
      return 'is out of range';
    case 'base64':
      return 'is not base64';
    case 'iso_timestamp':
      return 'is not a date and time';
    case 'literal':
      return issue.expected !== null && issue.expected.length <= 60
        ? `is not ${issue.expected}`
        : 'has the wrong value';
    case 'picklist':
    case 'variant':
      return 'is not one of the values a report holds';
    case 'check':
    case 'regex':
      // Our own messages, phrased to follow the path ("is not a host name").
      return /^(is|has) [A-Za-z ]{1,40}$/.test(issue.message) ? issue.message : 'is not valid';
  }
  if (issue.kind === 'schema')
    return issue.input === undefined ? 'is missing' : 'has the wrong type';
  return 'is not valid';
}

function issueSentence(issue: v.BaseIssue<unknown> | undefined): string {
  if (issue === undefined) return `${NOT_A_REPORT} this version can read.`;
  const path = pathOf(issue);
  return `${NOT_A_REPORT} this version can read: ${path === '' ? 'its content' : path} ${reasonOf(issue)}.`;
}
