/**
 * The words of the window, in the active language. Components and view modules take every
 * string they show from `words`; none writes English inline (a test checks the components).
 *
 * To add a language: copy `en.ts` to e.g. `de.ts`, export `const de = { … } satisfies Words`
 * with every entry translated (and `lang: 'de'`), then make `words` below that catalog. The
 * compiler then reports any entry the new file lacks, has too many of, or gives the wrong
 * arguments.
 */
import { en } from './en';

/** The catalog's shape with English taken out: same groups, keys and function signatures. */
type Shape<T> = T extends string
  ? string
  : T extends (...args: infer A) => string
    ? (...args: A) => string
    : { readonly [K in keyof T]: Shape<T[K]> };

export type Words = Shape<typeof en>;

/** The active catalog. */
export const words: Words = en;
