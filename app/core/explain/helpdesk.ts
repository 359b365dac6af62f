/**
 * The help-desk summary: Markdown ready to paste into a ticket. Per endpoint the verdict, then
 * each finding with its title, who can fix it, what to do, the technical term and the key
 * evidence (names, dates, fingerprints). Every interpolated value goes through markdownSafe;
 * the fixed words are ours. Addresses the user asks to hide (their own IP, echoed by servers in
 * greetings) are masked before escaping.
 */
import type { Judgement } from '../findings/judge';
import type { Severity } from '../findings/types';
import type { ClientReaction } from '../cert/clients';
import { explain, whoCanFixText } from './catalog';
import { clientSentence, CLIENTS_CAVEAT } from './clients';
import { markdownSafe } from './markdown';
import { verdictHeadline, verdictSentence } from './verdicts';

export interface HelpdeskOptions {
  /** ISO time of the report. */
  readonly generatedAt: string;
  /** Sealcheck's version. */
  readonly version: string;
  /** Strings (the user's own IP addresses) replaced by "[your address]" wherever they appear. */
  readonly maskAddresses?: readonly string[];
  /**
   * Per judgement (same order), how the main mail apps would react to its certificate
   * (cert/clients.ts), or null for no "Your app" section.
   */
  readonly clients?: readonly (readonly ClientReaction[] | null)[];
  /** Per judgement (same order), what changed since the last check, in words (explain/changes). */
  readonly changes?: readonly (readonly string[])[];
}

/** Severity in a ticket's words (the domain summary uses them too). */
export const SEVERITY_TEXT: Readonly<Record<Severity, string>> = {
  critical: 'critical',
  warning: 'warning',
  info: 'for information',
};

const MODE_TEXT = { implicit: 'SSL/TLS', starttls: 'STARTTLS', none: 'no encryption' } as const;

const MASK = '[your address]';

/** Longest greeting line quoted in a ticket. */
const MAX_LINE = 200;

function masker(addresses: readonly string[]): (text: string) => string {
  const list = addresses.filter((a) => a.length > 0);
  return (text) => list.reduce((t, a) => t.split(a).join(MASK), text);
}

/** Help-desk Markdown for the judged endpoints of one run. */
export function helpdeskMarkdown(
  judgements: readonly Judgement[],
  options: HelpdeskOptions,
): string {
  const mask = masker(options.maskAddresses ?? []);
  /** Masks, then escapes: for every value that did not come from our own words. */
  const v = (text: string): string => markdownSafe(mask(text));
  const out: string[] = [
    '# Sealcheck: connection check',
    '',
    `Checked ${v(options.generatedAt)} with Sealcheck ${v(options.version)}.`,
  ];

  judgements.forEach((j, index) => {
    const t = j.facts.target;
    out.push(
      '',
      `## ${v(t.protocol)} ${v(t.host)} port ${t.port} (${MODE_TEXT[t.security]})`,
      '',
      `**${verdictHeadline(j.verdict.kind)}.** ${verdictSentence(j.verdict.kind, t.protocol)}`,
    );
    const changed = options.changes?.[index] ?? [];
    if (changed.length > 0) {
      out.push('', '**Changed since the last check:**', ...changed.map((c) => `- ${c}`));
    }

    const facts: string[] = [];
    if (t.xmppDomain !== undefined) facts.push(`- XMPP domain: ${v(t.xmppDomain)}`);
    if (j.facts.resolveError) facts.push(`- Name lookup: ${v(j.facts.resolveError.message)}`);
    for (const a of j.facts.addresses) {
      const parts = [`status ${v(a.status)}`];
      if (a.tls) {
        parts.push(v(a.tls.version), v(a.tls.cipher.standardName || a.tls.cipher.name));
      }
      if (a.error) parts.push(`error at ${v(a.error.step)}: ${v(a.error.message)}`);
      facts.push(`- Address ${v(a.address)}: ${parts.join(', ')}`);
      const greeting = a.greeting?.lines[0];
      if (greeting !== undefined) {
        const clipped = greeting.length > MAX_LINE ? `${greeting.slice(0, MAX_LINE)}…` : greeting;
        facts.push(`  - Greeting: ${v(clipped)}`);
      }
    }
    if (facts.length > 0) out.push('', ...facts);

    const clients = options.clients?.[index] ?? null;
    const yourApp = (): void => {
      if (clients === null || clients.length === 0) return;
      out.push('', '### Your app', '');
      for (const r of clients) out.push(`- ${clientSentence(r)}`);
      out.push('', CLIENTS_CAVEAT);
    };

    if (j.findings.length === 0) {
      out.push('', 'No findings.');
      yourApp();
      return;
    }
    j.findings.forEach((f, i) => {
      const e = explain(f);
      const where = f.subject.address !== undefined ? ` (address ${v(f.subject.address)})` : '';
      out.push(
        '',
        `### ${i + 1}\\. ${v(e.title)}`,
        '',
        `- **Severity:** ${SEVERITY_TEXT[f.severity]}${where}`,
        `- **Who can fix it:** ${whoCanFixText(e.whoCanFix, f.subject.protocol)}`,
        `- **What it means:** ${v(e.meaning)}`,
        `- **Risk:** ${v(e.risk)}`,
        `- **What to do:** ${v(e.action)}`,
        `- **Technical term:** ${v(e.technicalTerm)} (finding id ${v(f.id)})`,
      );
      const details = e.details.filter((d) => d.value !== '');
      if (details.length > 0) {
        out.push('- **Evidence:**');
        for (const d of details) out.push(`  - ${v(d.label)}: ${v(d.value)}`);
      }
    });
    yourApp();
  });
  return `${out.join('\n')}\n`;
}
