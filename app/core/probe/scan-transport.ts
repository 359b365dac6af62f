/**
 * The TLS scanner's connections: each one is made ready for a raw ClientHello here, so the
 * scanner knows nothing of mail protocols.
 *
 * Implicit TLS: a plain TCP connection. STARTTLS (and plaintext endpoints, whose server may still
 * upgrade): connect, greet, list capabilities where the protocol needs it before STARTTLS (SMTP's
 * EHLO), send STARTTLS, and on the go-ahead hand over the raw socket. Every step keeps its own
 * deadline and the probe's signal; a failure is a ProbeError the scanner records as "set-up failed".
 * No login, no credential: the scanner never gets that far.
 */
import type { Socket } from 'node:net';
import type { EndpointTarget } from '../facts/endpoint';
import { ProbeError, type Step } from '../net/errors';
import { escapePreview } from '../net/escape';
import { connect } from '../net/tcp-connection';
import type { ReadLimits, Timeouts } from '../net/types';
import type { Dialog } from '../protocols/dialog';

export interface ScanTransportOptions {
  readonly target: EndpointTarget;
  readonly dialog: Dialog;
  readonly address: string;
  readonly family: 4 | 6;
  readonly port: number;
  readonly xmppDomain: string | undefined;
  readonly signal: AbortSignal;
  readonly timeouts?: Partial<Timeouts>;
  readonly limits?: Partial<ReadLimits>;
}

/** Opens one connection ready for the scanner's ClientHello (see the file comment). */
export async function openForScan(options: ScanTransportOptions, step: Step): Promise<Socket> {
  const connection = await connect({
    address: options.address,
    port: options.port,
    signal: options.signal,
    ...(options.timeouts ? { timeouts: options.timeouts } : {}),
    ...(options.limits ? { limits: options.limits } : {}),
  });
  try {
    if (options.target.security === 'implicit') return connection.releaseSocket(step).socket;
    const session = options.dialog.create(connection, {
      serverName: options.target.host,
      localAddress: connection.localAddress || (options.family === 6 ? '::' : '0.0.0.0'),
      ...(options.xmppDomain !== undefined ? { xmppDomain: options.xmppDomain } : {}),
    });
    const greeting = await session.greet();
    if (greeting.kind !== 'ok') {
      throw new ProbeError({
        step: 'greeting',
        kind: 'refused-by-server',
        message:
          greeting.kind === 'preauth'
            ? 'the server logged us in at once (PREAUTH): no STARTTLS possible'
            : 'the server did not greet with a plain "ready"',
        evidence: escapePreview(greeting.lines.join(' | '), 200),
      });
    }
    if (options.dialog.capabilitiesBeforeStartTls) await session.capabilities('before-tls');
    const reply = await session.requestStartTls();
    if (reply.outcome !== 'accepted') {
      throw new ProbeError({
        step: 'starttls',
        kind: 'refused-by-server',
        message: 'the server did not accept STARTTLS',
        evidence: escapePreview(reply.reply.join(' | '), 200),
      });
    }
    return connection.releaseSocket('starttls').socket;
  } catch (err) {
    await connection.close();
    throw err;
  }
}
