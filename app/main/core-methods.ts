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
] as const;

export type CoreMethod = (typeof CORE_METHODS)[number];
