import { words } from './words';

/** A check's steps in words, for the live progress view. */
const STEP_WORDS: Readonly<Record<string, string>> = words.progress.steps;

/** The step's words; an unknown step keeps its id rather than vanish. */
export function stepWords(step: string): string {
  return STEP_WORDS[step] ?? step;
}

const SCOPE_WORDS: Readonly<Record<string, string>> = words.roles;

/** "incoming" → "Incoming mail"; "imap:993" → "IMAP port 993". */
export function scopeWords(scope: string): string {
  const known = SCOPE_WORDS[scope];
  if (known) return known;
  const m = /^([a-z0-9]+):(\d+)$/.exec(scope);
  return m ? words.progress.protocolPort((m[1] ?? '').toUpperCase(), m[2] ?? '') : scope;
}
