/** explain/: findings into words (pure). The catalog, verdict words and the help-desk summary. */
export {
  CATALOG,
  CATALOG_IDS,
  explain,
  WHO_CAN_FIX_TEXT,
  whoCanFixText,
  type Detail,
  type Entry,
  type EntryInput,
  type Explanation,
  type WhoCanFix,
} from './catalog';
export { helpdeskMarkdown, type HelpdeskOptions } from './helpdesk';
export { markdownSafe } from './markdown';
export { verdictHeadline, verdictSentence } from './verdicts';
