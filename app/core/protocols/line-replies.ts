/**
 * Small helpers shared by the line-based mail access dialogs (IMAP and POP3): server text made
 * safe for facts, the errors a dialog raises itself, and the SASL PLAIN message both use for
 * logging in. Framing stays in each dialog's own file; nothing here reads from a connection.
 */
import { ProbeError, type Step } from '../net/errors';
import { escapePreview, MAX_SHOWN_CHARS } from '../net/escape';

/** Server text for a fact (greeting lines, capability tokens, replies): escaped and bounded. */
export function factText(line: string): string {
  return escapePreview(line, MAX_SHOWN_CHARS);
}

/** Several lines for a fact. */
export function factLines(lines: readonly string[]): string[] {
  return lines.map(factText);
}

/** The peer said something the protocol does not allow here; `line` becomes the evidence. */
export function protocolError(step: Step, message: string, line?: string): ProbeError {
  return new ProbeError({
    step,
    kind: 'protocol',
    message,
    ...(line !== undefined ? { evidence: escapePreview(line, 300) } : {}),
  });
}

/** The server announced it is closing the connection (IMAP `* BYE`) in the middle of a step. */
export function closedByServer(step: Step, line: string): ProbeError {
  return new ProbeError({
    step,
    kind: 'closed',
    message: 'the server announced it is closing the connection',
    evidence: escapePreview(line, 300),
  });
}

/** A size limit of the dialog itself was hit (e.g. an IMAP literal larger than we accept). */
export function limitError(step: Step, name: string, value: number, line?: string): ProbeError {
  return new ProbeError({
    step,
    kind: 'limit',
    message: `${name} exceeds ${value}`,
    limit: { name, value },
    ...(line !== undefined ? { evidence: escapePreview(line, 300) } : {}),
  });
}

/** Cancels a SASL exchange (IMAP RFC 3501 §6.2.2, POP3 RFC 5034 §4). */
export const SASL_CANCEL = '*\r\n';

/**
 * The SASL PLAIN message (RFC 4616) for `user` and `password`, base64-encoded, with an empty
 * authorization identity. NUL separates the fields, so neither may contain one.
 */
export function saslPlainResponse(user: string, password: string): string {
  if (user.includes('\0') || password.includes('\0')) {
    throw new ProbeError({
      step: 'login',
      kind: 'protocol',
      message: 'a user name or password containing NUL cannot be sent with SASL PLAIN',
    });
  }
  return Buffer.from(`\0${user}\0${password}`, 'utf8').toString('base64');
}

/** What the transcript shows instead of a password or a SASL credential message. */
export const PASSWORD_REMOVED = '<password removed>';
export const CREDENTIALS_REMOVED = '<credentials removed>';
