/**
 * Words for the "Your app" row (cert/clients.ts) and for the fingerprint comparison
 * (cert/fingerprint.ts). Plain strings, grade 8 or below (readability.test.ts): escape per output.
 */
import { normaliseFingerprint } from '../cert/fingerprint';
import type {
  CertAnalysis,
  ClientReaction,
  ClientReason,
  FingerprintComparison,
  MailClient,
  PublicRootsSnapshot,
  Reaction,
} from '../cert';
import { certName, day } from './words';

export const CLIENT_NAME: Readonly<Record<MailClient, string>> = {
  thunderbird: 'Thunderbird',
  'apple-mail': 'Apple Mail',
  'outlook-windows': 'Outlook on Windows',
};

const REACTION_TEXT: Readonly<Record<Reaction, (app: string) => string>> = {
  warns: (app) => `${app} will likely warn.`,
  accepts: (app) => `${app} should not warn.`,
  unknown: (app) => `Sealcheck cannot tell if ${app} will warn.`,
};

/** One sentence per reason; facts about the app, never advice to click OK. */
export const CLIENT_REASON_TEXT: Readonly<Record<ClientReason, string>> = {
  expired: 'Every app checks the end date, and this one has passed.',
  'not-yet-valid': 'Every app checks the start date, and it has not come yet.',
  'name-mismatch': 'Every app checks the name, and it does not match.',
  'self-signed': 'No app trusts a certificate that only vouches for itself.',
  revoked: 'The certificate was cancelled, but not every app checks for that.',
  'untrusted-public-store':
    'It trusts the same public list as Sealcheck, and the source is not on it.',
  'missing-intermediate-not-fetched':
    'It does not fetch the missing certificate, unless it kept a copy from an earlier visit.',
  'missing-intermediate-fetched':
    'It fetches the missing certificate from the web address in the certificate, so it may not warn.',
  'missing-intermediate-unsure':
    'Sealcheck does not know if it fetches the missing certificate by itself.',
  'missing-intermediate-no-url':
    'The certificate gives no address to fetch the missing one from. The app may still have a copy.',
  'leaf-is-ca': "It refuses a server's certificate that claims it may vouch for others.",
  'no-server-auth': 'It refuses a certificate that is not meant for servers.',
  'apple-common-name-only':
    'Apple looks for the name in the list of names only, and it is not there.',
  'apple-rsa-under-2048': 'Apple refuses keys this short.',
  'apple-sha1': 'Apple refuses certificates signed in this old, weak way.',
  'apple-validity-too-long': 'Apple refuses server certificates that last this long.',
  'apple-eku-missing': 'Apple wants newer certificates to say they are meant for servers.',
  'root-on-this-device':
    'It depends on whether the device the app runs on trusts the same source as this one.',
  'own-root-store': 'It uses its own list of trusted sources, which Sealcheck cannot see.',
  'common-name-only':
    'The name is only in an old field that newer apps ignore. Some apps may still read it.',
  'depends-on-clock':
    'The certificate starts later than the clock here says, so this clock may be wrong. It depends on the clock where the app runs.',
  'not-analysed': 'Sealcheck did not learn enough to say.',
  'no-known-problem': 'Sealcheck found nothing this app is known to refuse.',
};

/** "Thunderbird will likely warn. It does not fetch …" */
export function clientSentence(r: ClientReaction): string {
  return `${REACTION_TEXT[r.reaction](CLIENT_NAME[r.client])} ${CLIENT_REASON_TEXT[r.because]}`;
}

/** Said once under the "Your app" rows. */
export const CLIENTS_CAVEAT =
  'This is a best guess from the rules each app is known to follow. Your app may differ.';

/** The public list, for the details block: "121 from Node 24.21.0 (Mozilla), added up to at least 15 May 2024". */
export function publicRootsText(s: PublicRootsSnapshot): string {
  const date =
    s.newestRootNotBefore === null
      ? 'date not known'
      : `added up to at least ${day(s.newestRootNotBefore)}`;
  return `${s.roots} from Node ${s.node} (Mozilla), ${date}`;
}

export interface FingerprintWords {
  /** One sentence: which certificate it is. */
  readonly result: string;
  /** What it means for you. */
  readonly meaning: string;
}

/**
 * The fingerprint comparison in words. `host` is the server name the user typed; the analysis
 * names the certificate when the fingerprint is one that vouches for the server.
 */
export function fingerprintWords(
  c: FingerprintComparison,
  host: string,
  analysis: CertAnalysis,
  userFingerprint: string,
): FingerprintWords {
  switch (c.result) {
    case 'this-server':
      return {
        result: `It matches the certificate that ${host} shows here.`,
        meaning:
          'The warning in your app was about this same certificate. The results above say what is wrong with it, if anything.',
      };
    case 'in-chain': {
      const fp = normaliseFingerprint(userFingerprint);
      const certs = [...analysis.presented, ...(analysis.path?.elements.map((e) => e.cert) ?? [])];
      const found = certs.find(
        (x) =>
          x !== null &&
          fp !== null &&
          (fp.algorithm === 'sha1' ? x.sha1 : x.sha256) === fp.colonHex,
      );
      const name = found ? certName(found.subject) : 'another certificate';
      return {
        result: `It matches a certificate that vouches for ${host} (${name}), not the server's own.`,
        meaning:
          "Your app showed you one of the certificates that back the server's own. Compare the server's own one, shown in the details.",
      };
    }
    case 'different':
      return {
        result: `It does not match any certificate that ${host} shows here.`,
        meaning:
          'Your app saw a different certificate. Something between you and the server may have shown your app a fake one. Or your app was on another network, or the server changed its certificate. Do not accept the warning until you know which.',
      };
    case 'unreadable':
      return {
        result: 'Sealcheck could not read that fingerprint.',
        meaning: 'Copy it again from the warning in your app, with all its letters and digits.',
      };
  }
}
