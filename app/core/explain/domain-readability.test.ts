/**
 * Readability of the domain words (voice.md): every domain finding id and wording variant, and
 * every domain verdict sentence, at grade 8 or below per field, who can fix it named, no banned
 * words first, titles under ten words and explanations under 60.
 */
import readability from 'text-readability';
import { describe, expect, test } from 'vitest';
import {
  DOMAIN_CATALOG_IDS,
  domainVerdictHeadline,
  domainVerdictSentence,
  explainDomain,
} from './domain';
import { DOMAIN_FIXTURES, domainFixtureFindings } from './domain-fixtures';
import { bannedIn, expectReadable, MAX_GRADE } from './test-support';
import type { DomainVerdictKind } from '../domain/types';

const all = domainFixtureFindings();

describe('the domain catalog', () => {
  test('has an entry and a fixture for every domain finding id', () => {
    expect([...DOMAIN_CATALOG_IDS].sort()).toEqual(Object.keys(DOMAIN_FIXTURES).sort());
  });

  test.each(all.map((a) => [`${a.finding.id}#${a.variant}`, a.finding] as const))(
    '%s: grade ≤ 8 per field, who can fix it, no banned words first',
    (_name, finding) => {
      expectReadable(explainDomain(finding), finding);
    },
  );

  test('names the real things from the evidence', () => {
    const mismatch = all.find((a) => a.finding.id === 'mta-sts.mx-not-listed')?.finding;
    if (!mismatch) throw new Error('no fixture');
    const e = explainDomain(mismatch);
    expect(e.title).toContain('mx1.example.org');
    expect(e.meaning).toContain('refuse');
    expect(e.details.map((d) => d.value)).toContain('*.mail.example.org');
  });
});

test('domain verdict sentences: grade ≤ 8, no banned words, a headline each', () => {
  const kinds: DomainVerdictKind[] = [
    'plaintext',
    'delivery-at-risk',
    'could-not-check',
    'downgrade-possible',
    'protected',
    'no-mail',
  ];
  for (const kind of kinds) {
    const s = domainVerdictSentence(kind, 'example.org');
    const plain = s.replace(/example\.org/g, 'name');
    expect(readability.fleschKincaidGrade(plain), s).toBeLessThanOrEqual(MAX_GRADE);
    expect(bannedIn(s), s).toEqual([]);
    expect(domainVerdictHeadline(kind)).not.toBe('');
  }
});
