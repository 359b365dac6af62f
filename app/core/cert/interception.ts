/**
 * Known TLS-interception products (antivirus mail and web scanning, firewalls, corporate
 * proxies), recognised by the exact subject of the authority they sign with. The table is data:
 * interception-products.ts, one entry per product with a source and a date per rule, checked
 * here when the module loads.
 *
 * A rule names attributes of one subject: the path's root ('root') or the certificate that
 * signed the server's ('issuer'). Each listed attribute (CN, O, OU) must appear exactly once in
 * that subject and equal the value exactly; `caseInsensitive` relaxes ASCII letter case only.
 * Attributes a rule does not list are not looked at. A subject that matches the rules of two
 * products names neither. A root that matches none is a "private authority", not interception
 * (design.md), unless the server was seen with a public chain before.
 */
import type { Name } from '@peculiar/asn1-x509';
import * as v from 'valibot';
import { INTERCEPTION_PRODUCTS_DATA as data } from './interception-products';

export type InterceptionKind = 'antivirus' | 'firewall' | 'proxy';
export const MATCH_ATTRIBUTES = ['CN', 'O', 'OU'] as const;
export type MatchAttribute = (typeof MATCH_ATTRIBUTES)[number];

/** One attribute of a distinguished name; `value` is null when it is not a readable string. */
export interface NameAttribute {
  readonly type: string;
  readonly value: string | null;
}

export interface InterceptionRule {
  readonly on: 'root' | 'issuer';
  readonly attributes: Readonly<Partial<Record<MatchAttribute, string>>>;
  readonly caseInsensitive: boolean;
  /** 'documented': the source shows these exact values; 'reported': it does not (see note). */
  readonly confidence: 'documented' | 'reported';
  readonly source: string;
  readonly note: string | null;
}

export interface InterceptionEntry {
  readonly id: string;
  readonly product: string;
  readonly vendor: string;
  readonly kind: InterceptionKind;
  readonly match: readonly InterceptionRule[];
  /** One or two plain sentences: how to switch the scanning off, or keep it knowingly. */
  readonly mailScanning: string;
  readonly adviceSource: string;
  /** The day the sources were looked up, YYYY-MM-DD. */
  readonly checked: string;
}

/** What interceptionProduct found, as plain data (CertAnalysis is serialisable). */
export interface InterceptionMatch {
  readonly id: string;
  readonly product: string;
  readonly vendor: string;
  readonly kind: InterceptionKind;
  readonly advice: string;
  /** The matching rule's source and confidence. */
  readonly source: string;
  readonly confidence: 'documented' | 'reported';
}

/** The subjects a rule can look at, as nameAttributes() gives them. */
export interface InterceptionSubjects {
  /** The authority the path ends at. */
  readonly root: readonly NameAttribute[];
  /** The certificate that signed the server's, or null when the server's is the anchor itself. */
  readonly issuer: readonly NameAttribute[] | null;
}

const Text = v.pipe(v.string(), v.trim(), v.nonEmpty());
const Url = v.pipe(v.string(), v.url(), v.regex(/^https?:\/\//));
const RuleSchema = v.strictObject({
  on: v.picklist(['root', 'issuer']),
  attributes: v.pipe(
    v.strictObject({ CN: v.optional(Text), O: v.optional(Text), OU: v.optional(Text) }),
    v.check((a) => Object.keys(a).length > 0, 'a rule names at least one attribute'),
  ),
  caseInsensitive: v.optional(v.boolean(), false),
  confidence: v.picklist(['documented', 'reported']),
  source: Url,
  note: v.optional(Text),
});
const EntrySchema = v.strictObject({
  id: v.pipe(v.string(), v.regex(/^[a-z0-9-]+$/)),
  product: Text,
  vendor: Text,
  kind: v.picklist(['antivirus', 'firewall', 'proxy']),
  match: v.pipe(v.array(RuleSchema), v.minLength(1)),
  mailScanning: Text,
  adviceSource: Url,
  checked: v.pipe(v.string(), v.isoDate()),
});
const TableSchema = v.strictObject({
  about: v.array(v.string()),
  products: v.pipe(
    v.array(EntrySchema),
    v.check((es) => new Set(es.map((e) => e.id)).size === es.length, 'ids are unique'),
  ),
});

/** Checks a table in the data file's shape (throws with the first problem). */
export function parseInterceptionTable(raw: unknown): readonly InterceptionEntry[] {
  const table = v.parse(TableSchema, raw);
  return Object.freeze(
    table.products.map((e) =>
      Object.freeze({
        ...e,
        match: Object.freeze(
          e.match.map((r) =>
            Object.freeze({
              ...r,
              attributes: Object.freeze({ ...r.attributes }),
              note: r.note ?? null,
            }),
          ),
        ),
      }),
    ),
  );
}

/** The table from interception-products.ts. */
export const INTERCEPTION_PRODUCTS: readonly InterceptionEntry[] = parseInterceptionTable(data);

const ATTRIBUTE_OIDS: Readonly<Record<string, MatchAttribute>> = {
  '2.5.4.3': 'CN',
  '2.5.4.10': 'O',
  '2.5.4.11': 'OU',
};

/** A subject's attributes in encoded order; types other than CN, O and OU keep their OID. */
export function nameAttributes(name: Name): NameAttribute[] {
  return name.flatMap((rdn) =>
    [...rdn].map((atv) => ({
      type: ATTRIBUTE_OIDS[atv.type] ?? atv.type,
      // A value in no string type (anyValue) is not a name anyone can read: it never matches.
      value: atv.value.anyValue !== undefined ? null : atv.value.toString(),
    })),
  );
}

const asciiLower = (s: string): string => s.replace(/[A-Z]/g, (c) => c.toLowerCase());

/** Does one rule match one subject? */
export function ruleMatches(rule: InterceptionRule, subject: readonly NameAttribute[]): boolean {
  return Object.entries(rule.attributes).every(([type, want]) => {
    const found = subject.filter((a) => a.type === type);
    const got = found.length === 1 ? found[0]?.value : null;
    if (got === null || got === undefined || want === undefined) return false;
    return rule.caseInsensitive ? asciiLower(got) === asciiLower(want) : got === want;
  });
}

function only(
  table: readonly InterceptionEntry[],
  on: InterceptionRule['on'],
  subject: readonly NameAttribute[],
): InterceptionMatch | null {
  const hits: InterceptionMatch[] = [];
  for (const e of table) {
    const rule = e.match.find((r) => r.on === on && ruleMatches(r, subject));
    if (rule) {
      hits.push({
        id: e.id,
        product: e.product,
        vendor: e.vendor,
        kind: e.kind,
        advice: e.mailScanning,
        source: rule.source,
        confidence: rule.confidence,
      });
    }
  }
  return hits.length === 1 ? (hits[0] ?? null) : null;
}

/**
 * The product whose authority this path ends at (or, failing that, whose authority signed the
 * server's certificate), or null when none, or more than one, matches.
 */
export function interceptionProduct(
  subjects: InterceptionSubjects,
  table: readonly InterceptionEntry[] = INTERCEPTION_PRODUCTS,
): InterceptionMatch | null {
  return (
    only(table, 'root', subjects.root) ??
    (subjects.issuer ? only(table, 'issuer', subjects.issuer) : null)
  );
}
