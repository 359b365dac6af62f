/**
 * The supply-chain policy for `npm audit --omit=dev`: which advisories block a landing.
 *
 * A high or critical advisory in a production dependency fails the check unless a reviewed
 * entry in scripts/audit-allowlist.json names it (by GHSA id or npm advisory number) and the
 * package, with a reason and an expiry date that has not passed. Lower severities are listed
 * but never fail. An entry that matches nothing any more is reported as stale (not a failure),
 * so the list stays short; an expired entry fails like no entry, so every allowance is
 * reviewed again.
 */

export type Severity = 'info' | 'low' | 'moderate' | 'high' | 'critical';

export interface AllowEntry {
  /** "GHSA-xxxx-xxxx-xxxx" or the npm advisory number as a string. */
  readonly advisory: string;
  readonly package: string;
  readonly reason: string;
  /** When this was reviewed (YYYY-MM-DD). */
  readonly reviewed: string;
  /** Until when it is accepted (YYYY-MM-DD, inclusive). */
  readonly expires: string;
}

export interface Advisory {
  readonly package: string;
  readonly severity: Severity;
  readonly title: string;
  readonly url: string;
  /** GHSA id from the URL, when there is one. */
  readonly ghsa: string | null;
  /** npm's advisory number. */
  readonly source: number | null;
}

export interface AuditDecision {
  readonly blocking: readonly Advisory[];
  readonly allowed: readonly { readonly advisory: Advisory; readonly entry: AllowEntry }[];
  readonly expired: readonly { readonly advisory: Advisory; readonly entry: AllowEntry }[];
  readonly minor: readonly Advisory[];
  readonly stale: readonly AllowEntry[];
}

const SEVERITIES: readonly Severity[] = ['info', 'low', 'moderate', 'high', 'critical'];
const BLOCKING = new Set<Severity>(['high', 'critical']);
const DATE = /^\d{4}-\d{2}-\d{2}$/;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Reads the allow-list file's JSON; throws on anything malformed (a typo must not allow all). */
export function parseAllowList(json: unknown): AllowEntry[] {
  if (!isRecord(json) || !Array.isArray(json.entries)) {
    throw new Error('the allow-list must be an object with an "entries" array');
  }
  return json.entries.map((e: unknown, i: number): AllowEntry => {
    if (!isRecord(e)) throw new Error(`allow-list entry ${i + 1} is not an object`);
    const field = (name: string): string => {
      const v = e[name];
      if (typeof v !== 'string' || v.trim() === '') {
        throw new Error(`allow-list entry ${i + 1} has no "${name}"`);
      }
      return v.trim();
    };
    const entry = {
      advisory: field('advisory'),
      package: field('package'),
      reason: field('reason'),
      reviewed: field('reviewed'),
      expires: field('expires'),
    };
    for (const d of ['reviewed', 'expires'] as const) {
      if (!DATE.test(entry[d]) || Number.isNaN(Date.parse(`${entry[d]}T00:00:00Z`))) {
        throw new Error(`allow-list entry ${i + 1}: "${d}" must be a date YYYY-MM-DD`);
      }
    }
    return entry;
  });
}

/** The advisories in an `npm audit --json` report (format 2: `vulnerabilities` by package). */
export function advisoriesOf(report: unknown): Advisory[] {
  if (!isRecord(report) || !isRecord(report.vulnerabilities)) {
    throw new Error('not an npm audit report (no "vulnerabilities")');
  }
  const out = new Map<string, Advisory>();
  for (const vulnerability of Object.values(report.vulnerabilities)) {
    if (!isRecord(vulnerability) || !Array.isArray(vulnerability.via)) continue;
    for (const via of vulnerability.via) {
      // A string names another vulnerable package; its own entry carries the advisory.
      if (!isRecord(via)) continue;
      const severity = SEVERITIES.find((s) => s === via.severity) ?? 'critical';
      const url = typeof via.url === 'string' ? via.url : '';
      const ghsa = /GHSA(-[0-9a-z]{4}){3}/i.exec(url)?.[0] ?? null;
      const advisory: Advisory = {
        package: typeof via.name === 'string' ? via.name : String(vulnerability.name ?? '?'),
        severity,
        title: typeof via.title === 'string' ? via.title : '(no title)',
        url,
        ghsa: ghsa === null ? null : `GHSA${ghsa.slice(4).toLowerCase()}`,
        source: typeof via.source === 'number' ? via.source : null,
      };
      out.set(
        `${advisory.package}|${advisory.ghsa ?? advisory.source ?? advisory.title}`,
        advisory,
      );
    }
  }
  return [...out.values()];
}

function matches(entry: AllowEntry, a: Advisory): boolean {
  if (entry.package !== a.package) return false;
  const id = entry.advisory.toUpperCase();
  return (
    (a.ghsa !== null && id === a.ghsa.toUpperCase()) ||
    (a.source !== null && id === String(a.source))
  );
}

/** Applies the policy; `today` is YYYY-MM-DD (UTC). */
export function decide(
  advisories: readonly Advisory[],
  allow: readonly AllowEntry[],
  today: string,
): AuditDecision {
  const blocking: Advisory[] = [];
  const allowed: { advisory: Advisory; entry: AllowEntry }[] = [];
  const expired: { advisory: Advisory; entry: AllowEntry }[] = [];
  const minor: Advisory[] = [];
  const used = new Set<AllowEntry>();
  for (const a of advisories) {
    const entry = allow.find((e) => matches(e, a));
    if (entry) used.add(entry);
    if (!BLOCKING.has(a.severity)) {
      minor.push(a);
    } else if (!entry) {
      blocking.push(a);
    } else if (entry.expires < today) {
      expired.push({ advisory: a, entry });
    } else {
      allowed.push({ advisory: a, entry });
    }
  }
  return { blocking, allowed, expired, minor, stale: allow.filter((e) => !used.has(e)) };
}

/** Whether the decision lets a landing through. */
export function passes(d: AuditDecision): boolean {
  return d.blocking.length === 0 && d.expired.length === 0;
}
