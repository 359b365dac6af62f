/**
 * Account schemas for the IPC boundary. They mirror app/core/accounts/model.ts (the contract may
 * not import core, nor core the contract); app/main/contract-check.ts makes compilation fail if
 * the two ever describe different shapes, and a test feeds both the same good and bad inputs.
 *
 * Inputs (what the renderer sends) are strict: unknown keys are refused. Passwords travel only
 * renderer → main (accounts:set-password), never back: no result schema has a place for one.
 */
import * as v from 'valibot';

export const ACCOUNT_SECURITIES = [
  'none',
  'starttls-if-available',
  'starttls',
  'implicit',
] as const;

export const HostName = v.pipe(
  v.string(),
  v.trim(),
  v.minLength(1, 'a server name is needed'),
  v.maxLength(253, 'a server name has at most 253 characters'),
  v.check(
    (s) =>
      /^\[[0-9A-Fa-f:.]+\]$/.test(s) ||
      /^[0-9A-Fa-f:.]+$/.test(s) ||
      /^(?!-)[\p{L}\p{N}_-]{1,63}(?:\.(?!-)[\p{L}\p{N}_-]{1,63})*\.?$/u.test(s),
    'not a server name',
  ),
);
export const Port = v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(65535));
export const Address = v.pipe(
  v.string(),
  v.trim(),
  v.maxLength(320),
  v.regex(/^[^\s@<>"]{1,64}@[^\s@<>"]{1,253}$/u, 'an address looks like name@example.org'),
);
export const Sha256 = v.pipe(
  v.string(),
  v.regex(
    /^[0-9A-F]{2}(?::[0-9A-F]{2}){31}$/,
    'a SHA-256 fingerprint: 32 colon-separated hex pairs',
  ),
);
export const AccountId = v.pipe(
  v.string(),
  v.regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'account id: lower-case letters, digits and -'),
);
const Text = (max: number) => v.pipe(v.string(), v.maxLength(max));
const Timestamp = v.pipe(v.string(), v.isoTimestamp());

const Endpoint = { host: HostName, port: Port, security: v.picklist(ACCOUNT_SECURITIES) };
export const IncomingEndpoint = v.strictObject({
  ...Endpoint,
  protocol: v.picklist(['imap', 'pop3']),
});
export const OutgoingEndpoint = v.strictObject({ ...Endpoint, protocol: v.literal('submission') });
export const ChatEndpoint = v.strictObject({
  ...Endpoint,
  protocol: v.literal('xmpp'),
  xmppDomain: v.optional(HostName),
});
export const CertificateException = v.strictObject({
  sha256: Sha256,
  host: HostName,
  port: Port,
  acceptedAt: Timestamp,
  origin: v.picklist(['sealcheck', 'thunderbird']),
});
const Source = v.picklist(['manual', 'discovered', 'thunderbird', 'pidgin']);
const Authentication = v.picklist(['password', 'oauth2', 'unknown']);

export const Account = v.strictObject({
  id: AccountId,
  displayName: Text(200),
  address: Address,
  username: Text(320),
  incoming: v.nullable(IncomingEndpoint),
  outgoing: v.nullable(OutgoingEndpoint),
  chat: v.nullable(ChatEndpoint),
  certificateExceptions: v.pipe(v.array(CertificateException), v.maxLength(100)),
  source: Source,
  authentication: Authentication,
  createdAt: Timestamp,
  updatedAt: Timestamp,
});

export const NewAccount = v.strictObject({
  displayName: Text(200),
  address: Address,
  username: Text(320),
  incoming: v.nullable(IncomingEndpoint),
  outgoing: v.nullable(OutgoingEndpoint),
  chat: v.nullable(ChatEndpoint),
  certificateExceptions: v.optional(v.pipe(v.array(CertificateException), v.maxLength(100)), []),
  source: v.optional(Source, 'manual'),
  authentication: v.optional(Authentication, 'password'),
});

export const AccountChanges = v.partial(NewAccount);

export const AccountSummary = v.object({
  account: Account,
  /**
   * Whether the keychain holds a password for it (never the password); null when the keychain
   * could not be asked (not available, locked): unknown, not "no".
   */
  hasPassword: v.nullable(v.boolean()),
});

export const EndpointRole = v.picklist(['incoming', 'outgoing', 'chat']);

/** A password on its way into the keychain: bounded, never echoed in errors. */
export const Password = v.pipe(
  v.string(),
  v.minLength(1, 'a password is needed'),
  v.maxLength(8192, 'a password has at most 8192 characters'),
);

const Note = v.object({ level: v.picklist(['info', 'warning']), text: v.string() });

export const ImportSources = v.object({
  thunderbird: v.array(
    v.object({ name: v.string(), path: v.string(), isDefault: v.boolean(), root: v.string() }),
  ),
  pidgin: v.object({ path: v.string(), exists: v.boolean() }),
});

export const ImportRequest = v.variant('source', [
  v.strictObject({
    source: v.literal('thunderbird'),
    /** One of the profile paths accounts:find-imports returned. */
    profilePath: v.pipe(v.string(), v.minLength(1), v.maxLength(4096)),
  }),
  v.strictObject({ source: v.literal('pidgin') }),
]);

export const ImportResult = v.object({
  accounts: v.array(v.looseObject({ address: v.string(), displayName: v.string() })),
  notes: v.array(Note),
});

const DiscoveryCandidate = v.looseObject({
  role: EndpointRole,
  protocol: v.picklist(['imap', 'pop3', 'submission', 'smtp', 'xmpp']),
  host: v.string(),
  port: Port,
  security: v.picklist(['implicit', 'starttls']),
  sources: v.array(v.looseObject({ kind: v.picklist(['srv', 'autoconfig', 'guess']) })),
  reachable: v.boolean(),
  verified: v.boolean(),
  needsConfirmation: v.literal(true),
});

export const Discovery = v.object({
  address: v.string(),
  domain: v.string(),
  incoming: v.array(DiscoveryCandidate),
  outgoing: v.array(DiscoveryCandidate),
  chat: v.array(DiscoveryCandidate),
  looked: v.object({ srv: v.array(v.string()), autoconfig: v.nullable(v.string()) }),
});

export const LoginCheckResult = v.object({
  role: EndpointRole,
  protocol: v.string(),
  host: v.string(),
  port: Port,
  outcome: v.picklist([
    'success',
    'rejected',
    'not-verified',
    'no-tls',
    'no-password',
    'oauth-only',
    'keychain-error',
    'failed',
  ]),
  mechanism: v.nullable(v.string()),
  identity: v.nullable(v.picklist(['authority', 'exception'])),
  advice: v.nullable(v.picklist(['app-password-required', 'basic-auth-disabled', 'oauth-only'])),
  reply: v.array(v.string()),
  error: v.nullable(v.looseObject({ step: v.string(), kind: v.string(), message: v.string() })),
  transcript: v.array(
    v.object({
      at: v.number(),
      dir: v.picklist(['sent', 'received', 'note']),
      text: v.string(),
      tls: v.boolean(),
      redacted: v.optional(v.literal(true)),
      truncatedFrom: v.optional(v.number()),
    }),
  ),
});

export type Account = v.InferOutput<typeof Account>;
export type NewAccount = v.InferInput<typeof NewAccount>;
export type AccountChanges = v.InferOutput<typeof AccountChanges>;
export type AccountSummary = v.InferOutput<typeof AccountSummary>;
export type EndpointRole = v.InferOutput<typeof EndpointRole>;
export type ImportSources = v.InferOutput<typeof ImportSources>;
export type ImportRequest = v.InferOutput<typeof ImportRequest>;
export type ImportResult = v.InferOutput<typeof ImportResult>;
export type Discovery = v.InferOutput<typeof Discovery>;
export type LoginCheckResult = v.InferOutput<typeof LoginCheckResult>;
