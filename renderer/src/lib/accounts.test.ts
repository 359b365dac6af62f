import { describe, expect, it } from 'vitest';
import type { accounts as A, checks as C } from '../../../app/contract';
import { lastChecks } from './accounts.svelte';

const summary = (id: string, imapHost: string): A.AccountSummary =>
  ({
    account: {
      id,
      address: `${id}@example.org`,
      incoming: { protocol: 'imap', host: imapHost, port: 993, security: 'implicit' },
      outgoing: {
        protocol: 'submission',
        host: 'smtp.example.org',
        port: 465,
        security: 'implicit',
      },
      chat: null,
    },
    hasPassword: false,
  }) as unknown as A.AccountSummary;

const latest = (over: Partial<C.LatestCheck>): C.LatestCheck => ({
  owner: 'a',
  protocol: 'imap',
  host: 'imap.example.org',
  port: 993,
  checkedAt: '2026-12-01T10:00:00.000Z',
  verdict: 'encrypted-verified',
  ...over,
});

describe('lastChecks', () => {
  it('matches each endpoint of each account to its own newest record, host case aside', () => {
    const out = lastChecks(
      [summary('a', 'IMAP.example.org'), summary('b', 'imap.example.org')],
      [
        latest({}),
        latest({ owner: 'b', verdict: 'not-encrypted' }),
        latest({ owner: 'quick', verdict: 'could-not-check' }),
      ],
    );
    expect(out).toEqual({
      'a|incoming': { checkedAt: '2026-12-01T10:00:00.000Z', verdict: 'encrypted-verified' },
      'a|outgoing': null,
      'b|incoming': { checkedAt: '2026-12-01T10:00:00.000Z', verdict: 'not-encrypted' },
      'b|outgoing': null,
    });
  });

  it('a record of another port or protocol is not this endpoint’s', () => {
    const out = lastChecks(
      [summary('a', 'imap.example.org')],
      [latest({ port: 143 }), latest({ protocol: 'pop3' })],
    );
    expect(out['a|incoming']).toBeNull();
  });
});
