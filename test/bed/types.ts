/** Interfaces shared by the bed's parts: PKI, process management and one module per server. */
import type { BedEndpoint, CertCase } from './endpoints';
import type { ManagedProcess, SpawnOptions } from './proc';

export interface CertFiles {
  /** The leaf certificate alone (PEM). */
  readonly certFile: string;
  /** Its private key (PEM, unencrypted). */
  readonly keyFile: string;
  /** What the server sends: leaf + intermediate, or the leaf alone (self-signed, no-intermediate). */
  readonly chainFile: string;
}

export interface Pki {
  readonly dir: string;
  readonly rootCaFile: string;
  readonly intermediateCaFile: string;
  readonly cases: Readonly<Record<CertCase, CertFiles>>;
  /** RFC 7919 ffdhe2048 parameters (fixed: generating DH parameters takes minutes on 2 cores). */
  readonly dhParamsFile: string;
  /** An OpenSSL config for servers that must accept old algorithms (SECLEVEL=0, TLS 1.0+). Use as OPENSSL_CONF. */
  readonly legacyOpensslConf: string;
}

export interface BedUser {
  readonly name: string;
  readonly password: string;
  readonly xmppAddress: string;
}

export interface BedContext {
  /** Private directory of this bed run; each server makes its own subdirectory. */
  readonly dir: string;
  readonly pki: Pki;
  readonly user: BedUser;
  /** The names certificates are issued for. */
  readonly serverName: string; // mail.test.example
  readonly xmppDomain: string; // test.example
  /** A free TCP port on 127.0.0.1. */
  freePort(): Promise<number>;
  /** Starts a process in its own process group, logging to <dir>/logs/<name>.log; killed when the bed stops. */
  spawn(
    name: string,
    command: string,
    args: readonly string[],
    options?: SpawnOptions,
  ): ManagedProcess;
  log(message: string): void;
}

export interface StartedServer {
  readonly endpoints: readonly BedEndpoint[];
  stop(): Promise<void>;
}
