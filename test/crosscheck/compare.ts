/**
 * Sealcheck's TLS scan beside testssl.sh's verdicts: the questions both answer, compared one by
 * one. A disagreement is a line of text naming the question and both answers; where one side
 * says "unknown" there is nothing to compare (testssl lumps some families together, see
 * testssl.ts; the scan says unknown when a server does not answer).
 *
 * SSLv2 is left out: the scanner does not send SSLv2 hellos (no server the bed can run speaks
 * it, and testssl reports it "not offered" everywhere here).
 */
import type { ScanFacts, ScannedVersion, WeakFamily } from '../../app/core/facts/scan';
import { probeEndpoint } from '../../app/core/probe';
import { suiteByName } from '../../app/core/tls/scanner/suites';
import { targetOf, type BedEndpoint } from '../bed/endpoints';
import type { TestsslResult, Tri, VersionName, WeakFamily as TestsslFamily } from './testssl';

const VERSIONS: readonly (ScannedVersion & VersionName)[] = [
  'SSLv3',
  'TLSv1',
  'TLSv1.1',
  'TLSv1.2',
  'TLSv1.3',
];

const FAMILIES: readonly (readonly [WeakFamily, TestsslFamily])[] = [
  ['null', 'null'],
  ['anonymous', 'anonymous'],
  ['export', 'export'],
  ['des', 'des'],
  ['rc4', 'rc4'],
  ['3des', 'tripleDes'],
];

/** Lines naming each question where both sides answered and the answers differ. */
export function disagreements(scan: ScanFacts, testssl: TestsslResult): string[] {
  const out: string[] = [];
  const differ = (question: string, ours: Tri, theirs: Tri): void => {
    if (ours === 'unknown' || theirs === 'unknown' || ours === theirs) return;
    out.push(`${question}: Sealcheck ${String(ours)}, testssl.sh ${String(theirs)}`);
  };
  for (const v of VERSIONS) differ(v, scan.versions[v].accepted, testssl.versions[v]);
  for (const [ours, theirs] of FAMILIES) {
    differ(`${ours} suites`, scan.weakFamilies[ours], testssl.weakFamilies[theirs]);
  }
  differ(
    'non-forward-secret key exchange',
    scan.nonForwardSecretAccepted,
    testssl.forwardSecrecy.nonForwardSecretAccepted,
  );
  // testssl's "PFS offered": some forward-secret, authenticated suite is accepted. The scan
  // proves it with any such suite it saw chosen; it never asks for it alone, so no "false".
  const fsSeen = scan.acceptedSuites.some((s) => {
    const info = suiteByName(s.suite);
    return info !== null && info.flags.forwardSecrecy && !info.flags.anonymous;
  });
  differ('forward secrecy offered', fsSeen ? true : 'unknown', testssl.forwardSecrecy.offered);
  return out;
}

/** Questions testssl answered that the scan left unknown (a weaker scan, not a contradiction). */
export function unansweredByScan(scan: ScanFacts, testssl: TestsslResult): string[] {
  const out: string[] = [];
  for (const v of VERSIONS) {
    if (scan.versions[v].accepted === 'unknown' && testssl.versions[v] !== 'unknown') out.push(v);
  }
  for (const [ours, theirs] of FAMILIES) {
    if (scan.weakFamilies[ours] === 'unknown' && testssl.weakFamilies[theirs] !== 'unknown') {
      out.push(`${ours} suites`);
    }
  }
  return out;
}

/** Sealcheck's default scan of a bed endpoint, through the probe engine (STARTTLS included). */
export async function scanBedEndpoint(
  ep: BedEndpoint,
  extraCa: readonly string[],
  mode: 'default' | 'detailed' = 'default',
): Promise<ScanFacts> {
  const facts = await probeEndpoint(targetOf(ep), {
    lookup: (_hostname, _options, callback) => callback(null, [{ address: ep.host, family: 4 }]),
    extraCa,
    injectionTest: false,
    scan: mode,
  });
  const scan = facts.addresses[0]?.scan;
  if (!scan) throw new Error(`${ep.id}: the probe returned no scan facts`);
  return scan;
}
