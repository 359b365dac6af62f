/**
 * Readability of every catalog entry (voice.md, issue 6): for every finding id and every
 * wording variant in fixtures.ts, the plain fields (title, meaning, risk, action) score at
 * grade 8 or below, each field on its own, with the Flesch–Kincaid grade level
 * (0.39 × words per sentence + 11.8 × syllables per word − 15.59) as computed by the
 * text-readability package. The technical term is a separate field (shown once in brackets) and
 * is not scored. Every entry names who can fix it, and first sentences avoid the banned words.
 * The "Your app" sentences, the fingerprint comparison and the public-list date are held to the
 * same grade (app names, server names and fingerprints count as names).
 */
import readability from 'text-readability';
import { describe, expect, test } from 'vitest';
import { verdictSentence } from './verdicts';
import { CATALOG_IDS, explain } from './catalog';
import { fixtureFindings, FIXTURES } from './fixtures';
import type { Finding, VerdictKind } from '../findings/types';
import {
  bannedIn,
  expectReadable,
  FIELDS,
  firstSentence,
  MAX_GRADE,
  withPlaceholders,
} from './test-support';
import {
  CLIENT_NAME,
  CLIENT_REASON_TEXT,
  clientSentence,
  CLIENTS_CAVEAT,
  fingerprintWords,
  publicRootsText,
} from './clients';
import {
  MAIL_CLIENTS,
  type CertAnalysis,
  type ClientReason,
  type FingerprintComparison,
  type Reaction,
} from '../cert';

const all = fixtureFindings();
const label = (f: Finding, variant: number): string => `${f.id}#${variant}`;

describe('the catalog', () => {
  test('has an entry and at least one fixture for every finding id', () => {
    expect(CATALOG_IDS.sort()).toEqual(Object.keys(FIXTURES).sort());
    expect(new Set(all.map((a) => a.finding.id)).size).toBe(CATALOG_IDS.length);
  });

  test.each(all.map((a) => [label(a.finding, a.variant), a] as const))(
    '%s: grade ≤ 8 per field, who can fix it, no banned words first',
    (_name, { finding }) => {
      expectReadable(explain(finding), finding);
    },
  );

  test('verdict sentences: grade ≤ 8, no banned words, verdict first', () => {
    const kinds: VerdictKind[] = [
      'encrypted-verified',
      'encrypted-unverified',
      'encryption-removable',
      'not-encrypted',
      'could-not-check',
      'not-served',
    ];
    for (const kind of kinds) {
      for (const protocol of ['imap', 'xmpp'] as const) {
        const s = verdictSentence(kind, protocol);
        expect(readability.fleschKincaidGrade(s), s).toBeLessThanOrEqual(MAX_GRADE);
        expect(bannedIn(s), s).toEqual([]);
      }
    }
  });
});

test('placeholders replace names, dates and numbers', () => {
  const f = all.find((a) => a.finding.id === 'cert.expired')?.finding;
  if (!f) throw new Error('no fixture');
  expect(withPlaceholders(explain(f).meaning, f)).toBe(
    "The server's certificate ran out on name, ten days ago.",
  );
});

/** Prints the hardest field per entry when SEALCHECK_READABILITY=1 (for tuning the words). */
test('report the highest grade measured', () => {
  let max = { grade: -Infinity, where: '' };
  for (const { finding, variant } of all) {
    const e = explain(finding);
    for (const field of FIELDS) {
      const grade = readability.fleschKincaidGrade(withPlaceholders(e[field], finding));
      if (process.env.SEALCHECK_READABILITY === '1') {
        console.log(`${grade.toFixed(1).padStart(5)}  ${label(finding, variant)} ${field}`);
      }
      if (grade > max.grade) max = { grade, where: `${label(finding, variant)} ${field}` };
    }
  }
  expect(max.grade).toBeLessThanOrEqual(MAX_GRADE);
});

describe('"Your app" and fingerprint words', () => {
  /** App names, the host and fingerprints are names; then the usual placeholders. */
  const plain = (text: string): string =>
    [...Object.values(CLIENT_NAME), 'mail.example.org', 'Example Issuing CA 2']
      .reduce((t, n) => t.split(n).join('name'), text)
      .replace(/\b[0-9A-F]{2}(?::[0-9A-F]{2}){7,}\b/g, 'name');

  const reactions: Reaction[] = ['warns', 'accepts', 'unknown'];
  const sentences = [
    ...MAIL_CLIENTS.flatMap((client) =>
      (Object.keys(CLIENT_REASON_TEXT) as ClientReason[]).flatMap((because) =>
        reactions.map((reaction) => clientSentence({ client, reaction, because })),
      ),
    ),
    CLIENTS_CAVEAT,
  ];

  test.each(sentences.map((s) => [s]))('grade ≤ 8, no banned words: %s', (s) => {
    expect(readability.fleschKincaidGrade(plain(s)), plain(s)).toBeLessThanOrEqual(MAX_GRADE);
    expect(bannedIn(firstSentence(s)), s).toEqual([]);
  });

  const leaf = {
    subject: 'CN=mail.example.org',
    sha256: 'AA:'.repeat(31) + 'AA',
    sha1: 'BB:'.repeat(19) + 'BB',
  };
  const ca = { subject: 'CN=Example Issuing CA 2', sha256: 'CC:'.repeat(31) + 'CC', sha1: 'DD' };
  // Only the fields fingerprintWords reads.
  const analysis = { presented: [leaf, ca], path: null } as unknown as CertAnalysis;
  const comparisons: [FingerprintComparison, string][] = [
    [{ result: 'this-server', algorithm: 'sha256' }, leaf.sha256],
    [{ result: 'in-chain', index: 1, algorithm: 'sha256' }, ca.sha256],
    [{ result: 'different', algorithm: 'sha1' }, 'EE:'.repeat(19) + 'EE'],
    [{ result: 'unreadable' }, 'xyz'],
  ];
  test.each(comparisons.map(([c, fp]) => [c.result, c, fp] as const))(
    'fingerprint %s: grade ≤ 8 per field, no banned words first',
    (_r, c, fp) => {
      const w = fingerprintWords(c, 'mail.example.org', analysis, fp);
      for (const text of [w.result, w.meaning]) {
        expect(readability.fleschKincaidGrade(plain(text)), plain(text)).toBeLessThanOrEqual(
          MAX_GRADE,
        );
        expect(bannedIn(firstSentence(text)), text).toEqual([]);
      }
    },
  );

  test('the in-chain words name the certificate that matched', () => {
    const inChain: FingerprintComparison = { result: 'in-chain', index: 1, algorithm: 'sha256' };
    const w = fingerprintWords(inChain, 'mail.example.org', analysis, ca.sha256);
    expect(w.result).toContain('(Example Issuing CA 2)');
  });

  test('the public list date: grade ≤ 8', () => {
    const t = publicRootsText({ node: '24.21.0', newestRootNotBefore: '2024-05-15T05:41:57Z', roots: 146 });
    expect(t).toBe('146 from Node 24.21.0 (Mozilla), added up to at least 15 May 2024');
    expect(readability.fleschKincaidGrade(plain(t).replace(/\d+/g, 'ten').replace(/ten\.ten\.ten/g, 'name'))).toBeLessThanOrEqual(MAX_GRADE);
  }); // prettier-ignore
});
