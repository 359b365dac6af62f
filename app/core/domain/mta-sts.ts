/**
 * MTA-STS (RFC 8461): the `_mta-sts` TXT record, the policy file and its MX patterns. Pure
 * functions; the fetch lives in policy-fetch.ts.
 */

export interface StsRecord {
  readonly id: string;
  /** The record as published (for the details). */
  readonly text: string;
}

/** What the TXT records at `_mta-sts.<domain>` amount to (§3.1). */
export type StsRecordResult =
  | { readonly kind: 'none' }
  | { readonly kind: 'several'; readonly texts: readonly string[] }
  | { readonly kind: 'invalid'; readonly text: string; readonly problem: string }
  | { readonly kind: 'valid'; readonly record: StsRecord };

const FIELD_DELIM = /[ \t]*;[ \t]*/;

/** Reads the TXT records of `_mta-sts.<domain>`; only those starting with "v=STSv1" count. */
export function parseStsRecords(texts: readonly string[]): StsRecordResult {
  const candidates = texts.filter((t) => t.startsWith('v=STSv1'));
  if (candidates.length === 0) return { kind: 'none' };
  // §3.1: "If the number of resulting records is not one ... assume ... no policy."
  if (candidates.length > 1) return { kind: 'several', texts: candidates };
  const text = candidates[0] ?? '';
  const fields = text.split(FIELD_DELIM);
  if (fields[fields.length - 1] === '') fields.pop();
  if (fields[0] !== 'v=STSv1') {
    return { kind: 'invalid', text, problem: 'it does not start with "v=STSv1;"' };
  }
  let id: string | null = null;
  for (const field of fields.slice(1)) {
    const eq = field.indexOf('=');
    const name = eq > 0 ? field.slice(0, eq) : '';
    const value = eq > 0 ? field.slice(eq + 1) : '';
    if (
      !/^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$/.test(name) ||
      !/^[\x21-\x3a\x3c\x3e-\x7e]+$/.test(value)
    ) {
      return { kind: 'invalid', text, problem: `"${field.slice(0, 40)}" is not a field` };
    }
    if (name === 'id') {
      if (id !== null) return { kind: 'invalid', text, problem: 'it has two ids' };
      if (!/^[A-Za-z0-9]{1,32}$/.test(value)) {
        return { kind: 'invalid', text, problem: 'its id is not 1 to 32 letters and digits' };
      }
      id = value;
    }
  }
  if (id === null) return { kind: 'invalid', text, problem: 'it has no id' };
  return { kind: 'valid', record: { id, text } };
}

export type StsMode = 'enforce' | 'testing' | 'none';

export interface StsPolicy {
  readonly mode: StsMode;
  /** MX patterns, lower case: "mail.example.org" or "*.example.org". */
  readonly mx: readonly string[];
  /** Seconds. */
  readonly maxAge: number;
}

export type StsPolicyResult =
  | { readonly kind: 'valid'; readonly policy: StsPolicy; readonly notes: readonly string[] }
  | { readonly kind: 'invalid'; readonly problems: readonly string[] };

/** RFC 8461 §3.2: at most about a year. */
export const MAX_STS_MAX_AGE = 31_557_600;

const MX_PATTERN =
  /^(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

/** Reads a policy file (§3.2). Unknown fields are ignored, as the RFC asks. */
export function parseStsPolicy(body: string): StsPolicyResult {
  const problems: string[] = [];
  const notes: string[] = [];
  const values = new Map<string, string[]>();
  for (const raw of body.split(/\r?\n/)) {
    const line = raw.replace(/[ \t]+$/, '');
    if (line === '') continue;
    const colon = line.indexOf(':');
    if (colon <= 0) {
      problems.push(`the line "${line.slice(0, 60)}" is not "key: value"`);
      continue;
    }
    const key = line.slice(0, colon);
    const value = line.slice(colon + 1).replace(/^[ \t]+/, '');
    if (!/^[A-Za-z0-9_]{1,32}$/.test(key)) {
      problems.push(`"${key.slice(0, 40)}" is not a field name`);
      continue;
    }
    values.set(key, [...(values.get(key) ?? []), value]);
  }
  const one = (key: string): string | null => {
    const v = values.get(key);
    if (!v) return null;
    if (v.length > 1) problems.push(`"${key}" appears ${v.length} times`);
    return v[0] ?? null;
  };
  const version = one('version');
  if (version === null) problems.push('it has no "version" line');
  else if (version !== 'STSv1')
    problems.push(`the version is "${version.slice(0, 20)}", not "STSv1"`);
  const modeText = one('mode');
  let mode: StsMode | null = null;
  if (modeText === null) problems.push('it has no "mode" line');
  else if (modeText === 'enforce' || modeText === 'testing' || modeText === 'none') mode = modeText;
  else problems.push(`the mode "${modeText.slice(0, 20)}" is none of enforce, testing, none`);
  const maxAgeText = one('max_age');
  let maxAge: number | null = null;
  if (maxAgeText === null) problems.push('it has no "max_age" line');
  else if (!/^\d{1,10}$/.test(maxAgeText))
    problems.push(`max_age "${maxAgeText.slice(0, 20)}" is not a number of seconds`);
  else {
    maxAge = Number(maxAgeText);
    if (maxAge > MAX_STS_MAX_AGE)
      problems.push(`max_age ${maxAge} is more than a year (${MAX_STS_MAX_AGE} seconds)`);
  }
  const mx = (values.get('mx') ?? []).map((p) => p.toLowerCase().replace(/\.$/, ''));
  for (const p of mx)
    if (!MX_PATTERN.test(p)) problems.push(`the mx pattern "${p.slice(0, 60)}" is not a host name`);
  if (mx.length === 0 && mode !== null && mode !== 'none') {
    problems.push('it lists no "mx" line, so no mail server would be allowed');
  }
  if (maxAge !== null && maxAge < 86_400 && mode !== 'none') {
    notes.push(`max_age is ${maxAge} seconds, under a day: senders forget the policy quickly`);
  }
  if (problems.length > 0 || mode === null || maxAge === null) return { kind: 'invalid', problems };
  return { kind: 'valid', policy: { mode, mx, maxAge }, notes };
}

/**
 * §4.1: an MX host matches a pattern exactly, or a "*." pattern with exactly one label in
 * place of the star ("*.example.org" matches "mx1.example.org", not "a.b.example.org").
 */
export function mxMatchesPattern(host: string, pattern: string): boolean {
  const h = host.toLowerCase().replace(/\.$/, '');
  const p = pattern.toLowerCase().replace(/\.$/, '');
  if (!p.startsWith('*.')) return h === p;
  const dot = h.indexOf('.');
  return dot > 0 && h.slice(dot + 1) === p.slice(2);
}

export function mxMatchesPolicy(host: string, policy: StsPolicy): boolean {
  return policy.mx.some((p) => mxMatchesPattern(host, p));
}
