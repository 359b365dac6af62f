/**
 * TLS pieces for hostile servers: one throwaway certificate per test process (generated with the
 * openssl command line into a temp dir, removed at exit), and hand-made TLS records for servers
 * that break the handshake on purpose (a partial ServerHello, an alert storm, an oversized or a
 * truncated record).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSecureContext, type SecureContext } from 'node:tls';
import { promisify } from 'node:util';
import type { Peer } from './peer';

const run = promisify(execFile);

/** The name the throwaway certificate is issued for; probes use it with connectTo 127.0.0.1. */
export const HOSTILE_NAME = 'hostile.test';

export interface HostileCert {
  /** PEM, self-signed: pass it as extraCa to make the chain trusted. */
  readonly cert: string;
  readonly key: string;
  readonly context: SecureContext;
  /** The same certificate, TLS 1.2 at most. */
  readonly contextTls12: SecureContext;
}

let pending: Promise<HostileCert> | null = null;

/** The throwaway certificate of this process (made once, a few tens of milliseconds). */
export function hostileCert(): Promise<HostileCert> {
  pending ??= makeCert();
  return pending;
}

async function makeCert(): Promise<HostileCert> {
  const dir = mkdtempSync(join(tmpdir(), 'sealcheck-hostile-'));
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  const keyFile = join(dir, 'key.pem');
  const certFile = join(dir, 'cert.pem');
  await run(
    'openssl',
    [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
      '-keyout', keyFile, '-out', certFile, '-days', '2', '-subj', `/CN=${HOSTILE_NAME}`,
      '-addext', `subjectAltName=DNS:${HOSTILE_NAME}`,
      '-addext', 'basicConstraints=critical,CA:TRUE',
    ], // prettier-ignore
    { timeout: 20_000 },
  );
  const cert = readFileSync(certFile, 'utf8');
  const key = readFileSync(keyFile, 'utf8');
  return {
    cert,
    key,
    context: createSecureContext({ cert, key }),
    contextTls12: createSecureContext({ cert, key, maxVersion: 'TLSv1.2' }),
  };
}

/** A TLS record: content type, legacy version 3.3, length, body. */
function record(type: number, body: Buffer, claimedLength = body.length): Buffer {
  const header = Buffer.from([type, 0x03, 0x03, (claimedLength >> 8) & 0xff, claimedLength & 0xff]);
  return Buffer.concat([header, body]);
}

const HANDSHAKE = 0x16;
const ALERT = 0x15;

/** TLS alert descriptions used here (RFC 8446 §6). */
export const ALERTS = { handshake_failure: 40, user_canceled: 90 } as const;

/** The start of a ServerHello: a record header promising 122 bytes and only 38 of them. */
export function partialServerHello(): Buffer {
  const body = Buffer.concat([
    Buffer.from([0x02, 0x00, 0x00, 0x76, 0x03, 0x03]), // ServerHello, length 118, TLS 1.2
    Buffer.alloc(32, 0x5a), // random
  ]);
  return record(HANDSHAKE, body, 122);
}

export function alertRecord(level: 1 | 2, description: number): Buffer {
  return record(ALERT, Buffer.from([level, description]));
}

/** A record header claiming 65,535 bytes (the limit is 2^14 + 256), followed by some of them. */
export function oversizedRecord(): Buffer {
  return record(HANDSHAKE, Buffer.alloc(4096, 0x41), 0xffff);
}

/** A record header promising 256 bytes, and 40 of them. */
export function truncatedRecord(): Buffer {
  return record(
    HANDSHAKE,
    Buffer.concat([Buffer.from([0x02, 0x00, 0x00, 0xfc]), Buffer.alloc(36, 0x42)]),
    256,
  );
}

/** What a hostile server does where a TLS handshake should happen (after its go-ahead, or at once). */
export type TlsAct = (peer: Peer) => Promise<void>;

/** Waits for the client's ClientHello (its first bytes), so the act happens mid-handshake. */
async function afterClientHello(peer: Peer): Promise<boolean> {
  return (await peer.readAny()) !== null;
}

export const tlsActs = {
  /** ClientHello in, half a ServerHello out, then a reset. */
  partialHelloThenReset: (async (peer) => {
    if (!(await afterClientHello(peer))) return;
    await peer.write(partialServerHello());
    await peer.sleep(20);
    peer.reset();
  }) satisfies TlsAct,
  /** A fatal handshake_failure alert in answer to the ClientHello. */
  fatalAlert: (async (peer) => {
    if (!(await afterClientHello(peer))) return;
    await peer.write(alertRecord(2, ALERTS.handshake_failure));
    await peer.sleep(50);
    peer.end();
  }) satisfies TlsAct,
  /** Warning alerts (user_canceled) without end, written as fast as the client reads them. */
  alertStorm: (async (peer) => {
    if (!(await afterClientHello(peer))) return;
    const one = alertRecord(1, ALERTS.user_canceled);
    await peer.stream(Buffer.concat(Array.from({ length: 1024 }, () => one)));
  }) satisfies TlsAct,
  /** A record longer than TLS allows. */
  oversizedRecord: (async (peer) => {
    if (!(await afterClientHello(peer))) return;
    await peer.write(oversizedRecord());
    await peer.hold();
  }) satisfies TlsAct,
  /** A record cut short, then nothing (the connection stays open). */
  truncatedThenSilence: (async (peer) => {
    if (!(await afterClientHello(peer))) return;
    await peer.write(truncatedRecord());
    await peer.hold();
  }) satisfies TlsAct,
  /** A record cut short, then a clean close (FIN). */
  truncatedThenClose: (async (peer) => {
    if (!(await afterClientHello(peer))) return;
    await peer.write(truncatedRecord());
    await peer.sleep(20);
    peer.end();
  }) satisfies TlsAct,
  /** No handshake at all: nothing is ever answered. */
  silence: (async (peer) => {
    await peer.hold();
  }) satisfies TlsAct,
  /** Plain text where the ServerHello should be. */
  plaintextInsteadOfTls: (async (peer) => {
    if (!(await afterClientHello(peer))) return;
    await peer.write('* OK this is not TLS\r\n');
    await peer.hold();
  }) satisfies TlsAct,
} as const;

export type TlsActName = keyof typeof tlsActs;
