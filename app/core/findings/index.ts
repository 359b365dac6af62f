/** Findings: facts → findings (pure rules) → verdicts. Words live in explain/. */
export * from './types';
export {
  finding,
  lacksForwardSecrecy,
  legacyVersions,
  transportFindings,
  weakCipherFamilies,
  type CipherFamily,
} from './rules-transport';
export {
  accountVerdict,
  endpointVerdict,
  severityRank,
  verdictRank,
  worstSeverity,
} from './verdict';
export {
  judgeEndpoint,
  referenceNameOf,
  sortFindings,
  type JudgeOptions,
  type Judgement,
} from './judge';
