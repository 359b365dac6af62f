/**
 * The registry of protocol dialogs (sslyze's scan-command registry, in small): protocol → Dialog,
 * standard ports per mode, and the list of endpoints `sealcheck check HOST` tries when no
 * protocol is given. Ports come from each dialog's `defaultPorts` (RFC 8314, 6186, XEP-0368).
 */
import type { EndpointTarget, Protocol, Security } from '../facts/endpoint';
import type { Dialog } from './dialog';
import { imapDialog } from './imap';
import { pop3Dialog } from './pop3';
import { smtpDialog, submissionDialog } from './smtp';
import { xmppDialog } from './xmpp';

export const DIALOGS: Readonly<Record<Protocol, Dialog>> = {
  imap: imapDialog,
  pop3: pop3Dialog,
  submission: submissionDialog,
  smtp: smtpDialog,
  xmpp: xmppDialog,
};

/** Every protocol, in the order `check HOST` probes and prints them. */
export const PROTOCOLS: readonly Protocol[] = ['imap', 'pop3', 'submission', 'smtp', 'xmpp'];

export const SECURITIES: readonly Security[] = ['implicit', 'starttls', 'none'];

export function isProtocol(word: string): word is Protocol {
  return (PROTOCOLS as readonly string[]).includes(word);
}

export function isSecurity(word: string): word is Security {
  return (SECURITIES as readonly string[]).includes(word);
}

export function dialogFor(protocol: Protocol): Dialog {
  return DIALOGS[protocol];
}

/**
 * The standard port of a protocol in a mode, or null when the mode has none (SMTP relay has no
 * implicit-TLS port). Plaintext uses the STARTTLS port: it is the same service without the upgrade.
 */
export function defaultPort(protocol: Protocol, security: Security): number | null {
  const ports = DIALOGS[protocol].defaultPorts;
  return security === 'implicit' ? ports.implicit : ports.starttls;
}

/** The mode to use when only a protocol is given: implicit TLS where it exists (RFC 8314), else STARTTLS. */
export function defaultSecurity(protocol: Protocol): Security {
  return DIALOGS[protocol].defaultPorts.implicit !== null ? 'implicit' : 'starttls';
}

export interface StandardEndpoint {
  readonly protocol: Protocol;
  readonly port: number;
  readonly security: Exclude<Security, 'none'>;
}

/**
 * The endpoints a mail or chat host usually serves: for each protocol its implicit-TLS port,
 * then its STARTTLS port (imap 993/143, pop3 995/110, submission 465/587, smtp 25, xmpp 5223/5222).
 */
export const STANDARD_ENDPOINTS: readonly StandardEndpoint[] = PROTOCOLS.flatMap((protocol) => {
  const { implicit, starttls } = DIALOGS[protocol].defaultPorts;
  const out: StandardEndpoint[] = [];
  if (implicit !== null) out.push({ protocol, port: implicit, security: 'implicit' });
  if (starttls !== null) out.push({ protocol, port: starttls, security: 'starttls' });
  return out;
});

/** The targets for `check HOST` without a protocol. */
export function standardTargets(host: string, xmppDomain?: string): EndpointTarget[] {
  return STANDARD_ENDPOINTS.map((e) => ({
    host,
    port: e.port,
    protocol: e.protocol,
    security: e.security,
    ...(e.protocol === 'xmpp' && xmppDomain !== undefined ? { xmppDomain } : {}),
  }));
}
