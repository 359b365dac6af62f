/**
 * The certificate benchmark: analyzeChain + certificateFindings of a 3-certificate chain
 * (leaf, intermediate, root; EC P-256, made with openssl for this run), against Node's public
 * bundle, the system store and the root as an extra root. Median and p90 over N runs after
 * warm-up; the first (cold) analysis, which parses and indexes the trust stores once, is shown
 * apart.
 *
 * Target (issue 6): under 5 ms per analysis.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { analyzeChain, defaultTrustStores } from '../app/core/cert';
import { certificateFindings } from '../app/core/findings/rules-certificate';
import { CA_EXTENSIONS, leafExtensions, makeCert } from '../app/core/cert/test-support';
import type { CertInput } from '../app/core/cert/types';

const TARGET_MS = 5;
const WARMUP = 20;

export interface CertBenchResult {
  readonly coldMs: number;
  readonly medianMs: number;
  readonly p90Ms: number;
  readonly runs: number;
  readonly pass: boolean;
}

export function runCertBench(runs: number): CertBenchResult {
  const dir = mkdtempSync(join(tmpdir(), 'sealcheck-cert-bench-'));
  try {
    const root = makeCert(dir, 'root', { subject: '/O=Bench/CN=Bench Root', extensions: CA_EXTENSIONS, days: 3650 }); // prettier-ignore
    const inter = makeCert(dir, 'inter', { subject: '/O=Bench/CN=Bench Intermediate', issuer: root, extensions: [...CA_EXTENSIONS, 'authorityKeyIdentifier = keyid'], days: 1000 }); // prettier-ignore
    const leaf = makeCert(dir, 'leaf', { subject: '/CN=mail.example.org', issuer: inter, extensions: leafExtensions(['DNS:mail.example.org', 'DNS:example.org']), days: 90 }); // prettier-ignore
    const input: CertInput = {
      peerChain: [leaf.b64, inter.b64, root.b64],
      chainSource: 'as-sent',
      referenceName: 'mail.example.org',
      service: 'mail',
      ocspResponse: null,
      now: new Date(),
      trust: defaultTrustStores([root.pem]),
    };
    const subject = { host: 'mail.example.org', port: 993, protocol: 'imap', security: 'implicit' } as const; // prettier-ignore
    const once = (): number => {
      const t0 = performance.now();
      const findings = certificateFindings(analyzeChain(input), subject);
      const t = performance.now() - t0;
      if (findings.some((f) => f.severity !== 'info')) throw new Error('bench chain is not clean');
      return t;
    };
    const coldMs = once();
    for (let i = 0; i < WARMUP; i++) once();
    const times = Array.from({ length: runs }, once).sort((a, b) => a - b);
    const at = (q: number): number => times[Math.min(times.length - 1, Math.floor(q * times.length))] ?? NaN; // prettier-ignore
    const result = { coldMs, medianMs: at(0.5), p90Ms: at(0.9), runs, pass: at(0.5) < TARGET_MS };
    console.log(
      [
        '',
        'Certificate analysis (3-certificate chain, analyzeChain + certificateFindings)',
        `  cold (trust stores parsed once): ${coldMs.toFixed(2)} ms`,
        `  median ${result.medianMs.toFixed(3)} ms, p90 ${result.p90Ms.toFixed(3)} ms over ${runs} runs`,
        `  target < ${TARGET_MS} ms: ${result.pass ? 'met' : 'NOT met'}`,
      ].join('\n'),
    );
    return result;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
