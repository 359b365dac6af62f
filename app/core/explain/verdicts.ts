/**
 * Verdict words: one sentence per endpoint verdict, verdict first (voice.md principle 1), and a
 * short headline for lists. Fails closed like the verdict itself: "could not check" claims
 * nothing.
 */
import type { Protocol } from '../facts/endpoint';
import { missingCase, type VerdictKind } from '../findings/types';

/** A short headline, e.g. for a list row or a report heading. */
export function verdictHeadline(kind: VerdictKind): string {
  switch (kind) {
    case 'encrypted-verified':
      return 'Encrypted and verified';
    case 'encrypted-unverified':
      return "Encrypted, but the server's identity is not proven";
    case 'encryption-removable':
      return 'Encrypted, but an attacker could remove the encryption';
    case 'not-encrypted':
      return 'Not encrypted';
    case 'could-not-check':
      return 'Could not check';
    case 'not-served':
      return 'Not served';
    default:
      return missingCase(kind);
  }
}

/** The one-sentence verdict, first thing a person reads about an endpoint. */
export function verdictSentence(kind: VerdictKind, protocol: Protocol): string {
  const what = protocol === 'xmpp' ? 'chat' : 'mail';
  switch (kind) {
    case 'encrypted-verified':
      return `Your ${what} to and from this server is encrypted, and the server proved who it is.`;
    case 'encrypted-unverified':
      return `Your ${what} is encrypted, but the server did not prove who it is, so it could be a fake.`;
    case 'encryption-removable':
      return `Your ${what} can be encrypted here, but someone on the network could switch the encryption off.`;
    case 'not-encrypted':
      return `Your ${what} and password are not encrypted on this connection: anyone on the same network can read them.`;
    case 'could-not-check':
      return 'The check did not finish, so Sealcheck cannot say whether this connection is safe.';
    case 'not-served':
      return 'Nothing answers on this port, so there is nothing to check here.';
    default:
      return missingCase(kind);
  }
}
