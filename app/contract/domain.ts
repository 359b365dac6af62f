/**
 * Schemas of the domain check's channel: how mail sent TO a domain is protected between mail
 * servers (its MX hosts on port 25, MTA-STS, TLS-RPT, DANE). The window gets the view only,
 * every word already chosen (core's explain/domain-view.ts); DNS and server text stays raw
 * there, the window escapes it. The request is strict; main also runs it through the check's
 * own rule for domain names (app/core/domain/name.ts) before anything is looked up.
 */
import * as v from 'valibot';

/** A domain name ("example.org") or an e-mail address, whose domain is meant. */
export const DomainRequest = v.strictObject({
  domain: v.pipe(
    v.string(),
    v.trim(),
    v.minLength(1, 'a domain name is needed'),
    v.maxLength(320, 'too long for a domain name or an address'),
  ),
});

export const DomainVerdictKind = v.picklist([
  'plaintext',
  'delivery-at-risk',
  'could-not-check',
  'downgrade-possible',
  'protected',
  'no-mail',
]);

const Detail = v.object({ label: v.string(), value: v.string() });

export const DomainFindingView = v.object({
  id: v.string(),
  severity: v.picklist(['critical', 'warning', 'info']),
  host: v.nullable(v.string()),
  title: v.string(),
  meaning: v.string(),
  risk: v.string(),
  action: v.string(),
  whoCanFix: v.string(),
  whoCanFixText: v.string(),
  technicalTerm: v.string(),
  details: v.array(Detail),
});

export const MxView = v.object({
  host: v.string(),
  preference: v.number(),
  addresses: v.array(v.string()),
  transport: v.string(),
  dane: v.string(),
  policy: v.nullable(v.string()),
  /** Addresses not reached while others were (the transport text names them too). */
  notReached: v.array(v.string()),
});

export const DomainView = v.object({
  schema: v.literal('sealcheck.domain-view/1'),
  domain: v.string(),
  checkedAt: v.string(),
  durationMs: v.number(),
  verdict: DomainVerdictKind,
  headline: v.string(),
  sentence: v.string(),
  attention: v.array(DomainFindingView),
  info: v.array(DomainFindingView),
  hosts: v.array(MxView),
  details: v.array(Detail),
});

export type DomainRequest = v.InferInput<typeof DomainRequest>;
export type DomainVerdictKind = v.InferOutput<typeof DomainVerdictKind>;
export type DomainFindingView = v.InferOutput<typeof DomainFindingView>;
export type MxView = v.InferOutput<typeof MxView>;
export type DomainView = v.InferOutput<typeof DomainView>;
