/**
 * The account model: one mail or chat account as the user's app is set up, validated with
 * schemas wherever it crosses a boundary (the store file, an import, the IPC contract).
 *
 * An account has up to three endpoints: incoming (IMAP or POP3), outgoing (submission) and chat
 * (XMPP), each with host, port and the security setting *as configured in the app*:
 *   - 'none'                  plain text;
 *   - 'starttls-if-available' upgrade when offered, else carry on in plain text (old Thunderbird
 *                             profiles, socketType 1): whoever can strip STARTTLS gets everything;
 *   - 'starttls'              upgrade required;
 *   - 'implicit'              TLS from the first byte (RFC 8314's "SSL/TLS").
 * Certificate exceptions are the ones the user accepted, by SHA-256 fingerprint and endpoint.
 * There is never a password here: passwords live in the OS keychain (../secrets), under the
 * account's id.
 */
import * as v from 'valibot';

export const ACCOUNT_SECURITIES = [
  'none',
  'starttls-if-available',
  'starttls',
  'implicit',
] as const;
export type AccountSecurity = (typeof ACCOUNT_SECURITIES)[number];

/** A host name (A-label or Unicode) or an IP literal; no ports, spaces, slashes or user info. */
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

/** An e-mail address (user@domain) or an XMPP address (local@domain); kept loose on purpose. */
export const Address = v.pipe(
  v.string(),
  v.trim(),
  v.maxLength(320),
  v.regex(/^[^\s@<>"]{1,64}@[^\s@<>"]{1,253}$/u, 'an address looks like name@example.org'),
);

/** SHA-256 fingerprint in upper-case colon hex. */
export const Sha256 = v.pipe(
  v.string(),
  v.regex(
    /^[0-9A-F]{2}(?::[0-9A-F]{2}){31}$/,
    'a SHA-256 fingerprint: 32 colon-separated hex pairs',
  ),
);

const Text = (max: number) => v.pipe(v.string(), v.maxLength(max));

export const AccountEndpointSchema = v.strictObject({
  host: HostName,
  port: Port,
  security: v.picklist(ACCOUNT_SECURITIES),
});

export const IncomingEndpointSchema = v.strictObject({
  ...AccountEndpointSchema.entries,
  protocol: v.picklist(['imap', 'pop3']),
});
export const OutgoingEndpointSchema = v.strictObject({
  ...AccountEndpointSchema.entries,
  protocol: v.literal('submission'),
});
export const ChatEndpointSchema = v.strictObject({
  ...AccountEndpointSchema.entries,
  protocol: v.literal('xmpp'),
  /** The XMPP domain when it is not the host (the stream's `to`, the certificate's identity). */
  xmppDomain: v.optional(HostName),
});

export const CertificateExceptionSchema = v.strictObject({
  sha256: Sha256,
  /** The endpoint the user accepted it for. */
  host: HostName,
  port: Port,
  /** ISO time it was accepted (or imported). */
  acceptedAt: v.pipe(v.string(), v.isoTimestamp()),
  /** Where it came from: accepted in Sealcheck, or imported from the app's own exceptions. */
  origin: v.picklist(['sealcheck', 'thunderbird']),
});

export const AccountSourceSchema = v.picklist(['manual', 'discovered', 'thunderbird', 'pidgin']);

export const AccountId = v.pipe(
  v.string(),
  v.regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'account id: lower-case letters, digits and -'),
);

export const AccountSchema = v.strictObject({
  id: AccountId,
  displayName: Text(200),
  /** The e-mail or XMPP address. */
  address: Address,
  /** The user name the app logs in with (often the address). */
  username: Text(320),
  incoming: v.nullable(IncomingEndpointSchema),
  outgoing: v.nullable(OutgoingEndpointSchema),
  chat: v.nullable(ChatEndpointSchema),
  certificateExceptions: v.pipe(v.array(CertificateExceptionSchema), v.maxLength(100)),
  source: AccountSourceSchema,
  /** The app's sign-in method when imported: a password, or OAuth2 (no password to check). */
  authentication: v.picklist(['password', 'oauth2', 'unknown']),
  createdAt: v.pipe(v.string(), v.isoTimestamp()),
  updatedAt: v.pipe(v.string(), v.isoTimestamp()),
});

/** What a caller gives to create an account (the store adds id and times). */
export const NewAccountSchema = v.strictObject({
  displayName: AccountSchema.entries.displayName,
  address: AccountSchema.entries.address,
  username: AccountSchema.entries.username,
  incoming: AccountSchema.entries.incoming,
  outgoing: AccountSchema.entries.outgoing,
  chat: AccountSchema.entries.chat,
  certificateExceptions: v.optional(AccountSchema.entries.certificateExceptions, []),
  source: v.optional(AccountSourceSchema, 'manual'),
  authentication: v.optional(AccountSchema.entries.authentication, 'password'),
});

export type Account = v.InferOutput<typeof AccountSchema>;
export type NewAccount = v.InferInput<typeof NewAccountSchema>;
export type IncomingEndpoint = v.InferOutput<typeof IncomingEndpointSchema>;
export type OutgoingEndpoint = v.InferOutput<typeof OutgoingEndpointSchema>;
export type ChatEndpoint = v.InferOutput<typeof ChatEndpointSchema>;
export type AccountEndpoint = IncomingEndpoint | OutgoingEndpoint | ChatEndpoint;
export type CertificateException = v.InferOutput<typeof CertificateExceptionSchema>;
export type EndpointRole = 'incoming' | 'outgoing' | 'chat';

/** The account's endpoints with their roles, in the order incoming, outgoing, chat. */
export function endpointsOf(account: Account): { role: EndpointRole; endpoint: AccountEndpoint }[] {
  const out: { role: EndpointRole; endpoint: AccountEndpoint }[] = [];
  if (account.incoming) out.push({ role: 'incoming', endpoint: account.incoming });
  if (account.outgoing) out.push({ role: 'outgoing', endpoint: account.outgoing });
  if (account.chat) out.push({ role: 'chat', endpoint: account.chat });
  return out;
}

/** How the probe connects for an app setting: "if available" is probed as STARTTLS. */
export function probeSecurity(security: AccountSecurity): 'none' | 'starttls' | 'implicit' {
  return security === 'starttls-if-available' ? 'starttls' : security;
}

/** The keychain account name for an account's password. */
export function credentialKey(accountId: string): string {
  return `account:${accountId}`;
}
