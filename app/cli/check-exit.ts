/**
 * `sealcheck check`'s exit code, from judged endpoints (findings/judge.ts).
 *
 * Per endpoint:
 *  - NOT SERVED: checking every standard port of a host (`check HOST` without --protocol) and
 *    every address refused the connection. Left out of the exit code.
 *  - COULD NOT CHECK (2): the verdict is could-not-check (the check did not finish, so nothing
 *    is claimed; with an explicit --protocol a refused port is this too).
 *  - PROBLEMS (1): any finding of severity warning or critical (info does not count), or a
 *    verdict that is not "encrypted and verified" (fails closed: a verdict never reads better
 *    than its findings).
 *  - OK (0): otherwise.
 * A host none of whose standard ports is served could not be checked (2); so could an empty run.
 *
 * Precedence over several endpoints and hosts, worst wins:
 *   usage (64, before anything runs) > could not check (2) > problems (1) > ok (0).
 * "Could not check" outranks "problems": an endpoint that was not checked cannot be claimed
 * fine, and a script must not read "1" as "everything else was checked".
 */
import type { EndpointFacts } from '../core/facts/endpoint';
import type { Judgement } from '../core/findings/judge';
import { refusedEverywhere } from '../core/findings/verdict';
import { ExitCode } from './exit-codes';

export type EndpointStatus = 'ok' | 'problems' | 'could-not-check' | 'not-served';

export interface ExitOptions {
  /** `check HOST` without a protocol: refused ports are "not served". */
  readonly standardPorts: boolean;
  /** Per endpoint instead (batch rows may mix both kinds); overrides standardPorts. */
  readonly standardPortsFor?: (facts: EndpointFacts) => boolean;
}

const RANK: Readonly<Record<EndpointStatus, number>> = {
  'not-served': 0,
  ok: 1,
  problems: 2,
  'could-not-check': 3,
};

/** Every address refused the connection while checking a host's standard ports. */
export function isNotServed(facts: EndpointFacts, options: ExitOptions): boolean {
  return (options.standardPortsFor?.(facts) ?? options.standardPorts) && refusedEverywhere(facts);
}

export function endpointStatus(j: Judgement, options: ExitOptions): EndpointStatus {
  if (isNotServed(j.facts, options)) return 'not-served';
  switch (j.verdict.kind) {
    case 'could-not-check':
    case 'not-served':
      // A port the user named explicitly that is not served could not be checked.
      return 'could-not-check';
    case 'encrypted-verified':
      return j.findings.some((f) => f.severity !== 'info') ? 'problems' : 'ok';
    case 'encrypted-unverified':
    case 'encryption-removable':
    case 'not-encrypted':
      return 'problems';
  }
}

function worst(statuses: readonly EndpointStatus[]): EndpointStatus {
  return statuses.reduce<EndpointStatus>((w, s) => (RANK[s] > RANK[w] ? s : w), 'not-served');
}

/** The exit code for a whole run (see the rules above). */
export function exitCodeFor(judgements: readonly Judgement[], options: ExitOptions): ExitCode {
  if (judgements.length === 0) return ExitCode.CouldNotCheck;
  const statuses = judgements.map((j) => endpointStatus(j, options));
  if (options.standardPorts) {
    const served = new Map<string, boolean>();
    judgements.forEach((j, i) => {
      const host = j.facts.target.host;
      served.set(host, (served.get(host) ?? false) || statuses[i] !== 'not-served');
    });
    if ([...served.values()].some((any) => !any)) return ExitCode.CouldNotCheck;
  }
  return codeOf(worst(statuses));
}

/** The exit code of the worst endpoint status. */
function codeOf(status: EndpointStatus): ExitCode {
  switch (status) {
    case 'could-not-check':
      return ExitCode.CouldNotCheck;
    case 'problems':
      return ExitCode.ProblemsFound;
    case 'ok':
    case 'not-served':
      return ExitCode.Ok;
  }
}

/**
 * The same rules over a stream (batch runs keep no judgement): one small status per endpoint,
 * and per host of the standard ports whether any was served, folded as they come.
 */
export class ExitTally {
  private worstStatus: EndpointStatus = 'not-served';
  private endpoints = 0;
  private unservedHost = false;
  private cancelled = false;

  endpoint(status: EndpointStatus): void {
    this.endpoints++;
    if (RANK[status] > RANK[this.worstStatus]) this.worstStatus = status;
  }

  /** A host none of whose standard ports was served. */
  hostNotServed(): void {
    this.unservedHost = true;
  }

  /** The run was cancelled: endpoints were left unchecked. */
  cancel(): void {
    this.cancelled = true;
  }

  code(): ExitCode {
    if (this.endpoints === 0 || this.unservedHost || this.cancelled) return ExitCode.CouldNotCheck;
    return codeOf(this.worstStatus);
  }
}
