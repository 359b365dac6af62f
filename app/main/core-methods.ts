/**
 * The names of the account operations core performs (core-service.ts implements them). Kept
 * apart so main's side of the protocol knows the names without loading core's code.
 */
export const CORE_METHODS = [
  'accounts.list',
  'accounts.add',
  'accounts.update',
  'accounts.remove',
  'accounts.startEmpty',
  'accounts.findImports',
  'accounts.readImport',
  'accounts.discover',
  'accounts.setPassword',
  'accounts.clearPassword',
  'accounts.loginCheck',
  'checks.runAccount',
  'checks.runQuick',
  'checks.history',
  'checks.latest',
  'checks.export',
  'checks.compareFingerprint',
  'checks.openReport',
  'checks.decodeWarning',
  'domain.check',
  'settings.get',
  'settings.setTimeout',
  'settings.addRoot',
  'settings.removeRoot',
] as const;

export type CoreMethod = (typeof CORE_METHODS)[number];

/** The methods that are runs: they take a run id first, send progress, and can be cancelled. */
export const RUN_METHODS: ReadonlySet<CoreMethod> = new Set<CoreMethod>([
  'checks.runAccount',
  'checks.runQuick',
  'domain.check',
]);
