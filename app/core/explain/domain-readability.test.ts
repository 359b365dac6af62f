/**
 * Readability of the domain words (voice.md): every domain finding id and wording variant, and
 * every domain verdict sentence, at grade 8 or below per field, who can fix it named, no banned
 * words first, titles under ten words and explanations under 60.
 */
import readability from 'text-readability';
import { describe, expect, test } from 'vitest';
import { WHO_CAN_FIX_TEXT } from './catalog';
import {
  DOMAIN_CATALOG_IDS,
  domainVerdictHeadline,
  domainVerdictSentence,
  explainDomain,
} from './domain';
import { DOMAIN_FIXTURES, domainFixtureFindings } from './domain-fixtures';
import { bannedIn, FIELDS, firstSentence, MAX_GRADE, withPlaceholders } from './readability-rules';
import type { DomainVerdictKind } from '../domain/types';

const all = domainFixtureFindings();

describe('the domain catalog', () => {
  test('has an entry and a fixture for every domain finding id', () => {
    expect([...DOMAIN_CATALOG_IDS].sort()).toEqual(Object.keys(DOMAIN_FIXTURES).sort());
  });

  test.each(all.map((a) => [`${a.finding.id}#${a.variant}`, a.finding] as const))(
    '%s: grade ≤ 8 per field, who can fix it, no banned words first',
    (_name, finding) => {
      const e = explainDomain(finding);
      for (const field of FIELDS) {
        const text = e[field];
        expect(text.trim(), field).not.toBe('');
        const plain = withPlaceholders(text, finding);
        expect(readability.fleschKincaidGrade(plain), `${field}: "${plain}"`).toBeLessThanOrEqual(
          MAX_GRADE,
        );
        expect(bannedIn(firstSentence(text)), `${field}: "${text}"`).toEqual([]);
      }
      expect(e.title.split(/\s+/).length, e.title).toBeLessThan(10);
      const explanation = `${e.meaning} ${e.risk}`;
      expect(explanation.split(/\s+/).length, explanation).toBeLessThan(60);
      expect(Object.keys(WHO_CAN_FIX_TEXT)).toContain(e.whoCanFix);
      expect(e.technicalTerm).not.toBe('');
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
