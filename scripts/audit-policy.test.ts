/** The supply-chain policy on npm audit reports shaped like npm 10/11's (auditReportVersion 2). */
import { describe, expect, it } from 'vitest';
import { advisoriesOf, decide, parseAllowList, passes, type AllowEntry } from './audit-policy';

/** Two vulnerable packages: one with its own advisories, one only through the other. */
const REPORT = {
  auditReportVersion: 2,
  vulnerabilities: {
    'tar-stream-x': {
      name: 'tar-stream-x',
      severity: 'critical',
      isDirect: false,
      via: [
        {
          source: 1101234,
          name: 'tar-stream-x',
          dependency: 'tar-stream-x',
          title: 'Path traversal when extracting',
          url: 'https://github.com/advisories/GHSA-abcd-efgh-2345',
          severity: 'critical',
          range: '<2.1.0',
        },
        {
          source: 1101235,
          name: 'tar-stream-x',
          dependency: 'tar-stream-x',
          title: 'Slow regular expression',
          url: 'https://github.com/advisories/GHSA-wxyz-mnpq-6789',
          severity: 'moderate',
          range: '<2.2.0',
        },
      ],
      effects: ['packer'],
      range: '<2.2.0',
      nodes: ['node_modules/tar-stream-x'],
      fixAvailable: true,
    },
    packer: {
      name: 'packer',
      severity: 'critical',
      isDirect: true,
      via: ['tar-stream-x'],
      effects: [],
      range: '*',
      nodes: ['node_modules/packer'],
      fixAvailable: false,
    },
  },
  metadata: { vulnerabilities: { critical: 2, moderate: 1, total: 3 } },
};

const entry = (over: Partial<AllowEntry> = {}): AllowEntry => ({
  advisory: 'GHSA-abcd-efgh-2345',
  package: 'tar-stream-x',
  reason: 'we never extract archives',
  reviewed: '2026-12-01',
  expires: '2027-03-01',
  ...over,
});

describe('advisoriesOf', () => {
  it('reads each advisory once, with its GHSA id and number; names of other packages are links', () => {
    const list = advisoriesOf(REPORT);
    expect(list).toHaveLength(2);
    expect(list[0]).toMatchObject({
      package: 'tar-stream-x',
      severity: 'critical',
      ghsa: 'GHSA-abcd-efgh-2345',
      source: 1101234,
    });
    expect(list[1]?.severity).toBe('moderate');
  });

  it('refuses what is not an audit report (an error body from the registry)', () => {
    expect(() => advisoriesOf({ message: '405 Method Not Allowed' })).toThrow(/not an npm audit/);
  });

  it('an empty report has no advisories', () => {
    expect(advisoriesOf({ auditReportVersion: 2, vulnerabilities: {} })).toEqual([]);
  });
});

describe('decide', () => {
  const advisories = advisoriesOf(REPORT);

  it('a critical advisory without an entry blocks; the moderate one is only noted', () => {
    const d = decide(advisories, [], '2026-12-03');
    expect(d.blocking.map((a) => a.ghsa)).toEqual(['GHSA-abcd-efgh-2345']);
    expect(d.minor).toHaveLength(1);
    expect(passes(d)).toBe(false);
  });

  it('a reviewed entry lets it through until its expiry date, inclusive', () => {
    expect(passes(decide(advisories, [entry()], '2027-03-01'))).toBe(true);
    const later = decide(advisories, [entry()], '2027-03-02');
    expect(later.expired).toHaveLength(1);
    expect(passes(later)).toBe(false);
  });

  it('an entry matches by number too, but only for its own package', () => {
    expect(passes(decide(advisories, [entry({ advisory: '1101234' })], '2026-12-03'))).toBe(true);
    expect(passes(decide(advisories, [entry({ package: 'packer' })], '2026-12-03'))).toBe(false);
  });

  it('an entry that matches nothing is reported as stale, and does not fail', () => {
    const d = decide([], [entry()], '2026-12-03');
    expect(d.stale).toHaveLength(1);
    expect(passes(d)).toBe(true);
  });
});

describe('parseAllowList', () => {
  it('reads entries and refuses incomplete ones or bad dates (a typo must not allow anything)', () => {
    expect(parseAllowList({ entries: [entry()] })).toEqual([entry()]);
    expect(() => parseAllowList({ entries: [{ ...entry(), reason: '' }] })).toThrow(/reason/);
    expect(() => parseAllowList({ entries: [{ ...entry(), expires: 'next year' }] })).toThrow(
      /expires/,
    );
    expect(() => parseAllowList([])).toThrow(/entries/);
  });

  it('the checked-in allow-list is valid', async () => {
    const { readFile } = await import('node:fs/promises');
    const file = new URL('./audit-allowlist.json', import.meta.url);
    const parsed = parseAllowList(JSON.parse(await readFile(file, 'utf8')));
    for (const e of parsed) expect(e.expires >= e.reviewed).toBe(true);
  });
});
