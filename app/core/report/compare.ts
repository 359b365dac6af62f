/**
 * Two saved reports of the same servers side by side (the user's and the help desk's; home and
 * office): the same certificate or not, the same chain, the same TLS version and suite. A
 * different certificate that only one side's computer trusts is proof that something on that
 * side re-encrypts the connection; other differences are named without guessing their cause.
 * Pure: two opened (re-judged) reports in, words out.
 */
import { sha256Of } from '../findings/rules-account';
import type { Judgement } from '../findings/judge';
import type { OpenedReport } from './open';

export type EndpointComparisonKind =
  | 'same'
  | 'interception-on-first'
  | 'interception-on-second'
  | 'different-certificate'
  | 'different-chain'
  | 'different-encryption'
  | 'not-comparable';

export interface EndpointComparison {
  readonly endpoint: string;
  readonly kind: EndpointComparisonKind;
  readonly sentence: string;
  readonly first: SideFacts | null;
  readonly second: SideFacts | null;
}

export interface SideFacts {
  readonly checkedAt: string;
  readonly leafSha256: string | null;
  readonly chainSha256: readonly string[];
  readonly issuer: string | null;
  readonly tls: string | null;
  /** The certificate's path ends at an authority only that computer trusts, or an interception product's. */
  readonly privateAnchor: boolean;
}

export interface ReportComparison {
  readonly endpoints: readonly EndpointComparison[];
  /** Endpoints in only one of the two reports. */
  readonly onlyInFirst: readonly string[];
  readonly onlyInSecond: readonly string[];
  /** Whether anything differs. */
  readonly same: boolean;
}

function keyOf(j: Judgement): string {
  const t = j.facts.target;
  return `${t.protocol} ${t.host.toLowerCase()}:${t.port}`;
}

function sideOf(j: Judgement): SideFacts {
  const a = j.facts.addresses.find((x) => x.tls !== null);
  const tls = a?.tls ?? null;
  const sent = a?.scan?.chainAsSent?.certificates;
  const chain =
    sent && sent.length > 0 && sent[0] === tls?.peerChain[0] ? sent : (tls?.peerChain ?? []);
  const analysis = j.certificates[0];
  const anchor = analysis?.path?.anchor ?? null;
  return {
    checkedAt: j.facts.startedAt,
    leafSha256: chain[0] !== undefined ? sha256Of(chain[0]) : null,
    chainSha256: chain.map(sha256Of),
    issuer: analysis?.presented[0]?.issuer ?? null,
    tls: tls ? `${tls.version} ${tls.cipher.standardName}` : null,
    privateAnchor:
      analysis?.problems.some((p) => p.kind === 'intercepted' || p.kind === 'private-authority') ===
        true ||
      (anchor !== null && anchor !== 'public'),
  };
}

function compareSides(endpoint: string, first: SideFacts, second: SideFacts): EndpointComparison {
  const base = { endpoint, first, second };
  if (first.leafSha256 === null || second.leafSha256 === null) {
    return {
      ...base,
      kind: 'not-comparable',
      sentence: `${endpoint}: one of the two checks saw no certificate, so they cannot be compared.`,
    };
  }
  if (first.leafSha256 !== second.leafSha256) {
    if (second.privateAnchor && !first.privateAnchor) {
      return {
        ...base,
        kind: 'interception-on-second',
        sentence: `${endpoint}: the second check got another certificate, from ${second.issuer ?? 'an unknown issuer'}, which only that computer trusts. Something on that computer or its network re-encrypts the connection.`,
      };
    }
    if (first.privateAnchor && !second.privateAnchor) {
      return {
        ...base,
        kind: 'interception-on-first',
        sentence: `${endpoint}: the first check got another certificate, from ${first.issuer ?? 'an unknown issuer'}, which only that computer trusts. Something on that computer or its network re-encrypts the connection.`,
      };
    }
    return {
      ...base,
      kind: 'different-certificate',
      sentence: `${endpoint}: the two checks got different certificates. The server may have been given a new one between the checks, or it has several; compare with the provider before trusting either.`,
    };
  }
  if (first.chainSha256.join(' ') !== second.chainSha256.join(' ')) {
    return {
      ...base,
      kind: 'different-chain',
      sentence: `${endpoint}: the same server certificate, sent with different certificates around it. Each check may have seen another server of the provider.`,
    };
  }
  if (first.tls !== second.tls) {
    return {
      ...base,
      kind: 'different-encryption',
      sentence: `${endpoint}: the same certificate, but other encryption (${first.tls ?? 'none'} and ${second.tls ?? 'none'}). Something in between, or the server's settings, differ.`,
    };
  }
  return {
    ...base,
    kind: 'same',
    sentence: `${endpoint}: the same certificate, chain and encryption in both checks.`,
  };
}

export function compareReports(first: OpenedReport, second: OpenedReport): ReportComparison {
  const a = new Map(first.judgements.map((j) => [keyOf(j), j]));
  const b = new Map(second.judgements.map((j) => [keyOf(j), j]));
  const endpoints: EndpointComparison[] = [];
  for (const [key, ja] of a) {
    const jb = b.get(key);
    if (jb) endpoints.push(compareSides(key, sideOf(ja), sideOf(jb)));
  }
  const onlyInFirst = [...a.keys()].filter((k) => !b.has(k));
  const onlyInSecond = [...b.keys()].filter((k) => !a.has(k));
  return {
    endpoints,
    onlyInFirst,
    onlyInSecond,
    same:
      endpoints.every((e) => e.kind === 'same') &&
      onlyInFirst.length === 0 &&
      onlyInSecond.length === 0,
  };
}
