/** `sealcheck domain`'s arguments: what is accepted, and the clear error for what is not. */
import { describe, expect, it } from 'vitest';
import { domainRequest } from './commands/domain';
import { UsageError } from './usage';

describe('domainRequest', () => {
  it('takes domains and addresses (their domain), once each, in lower case', () => {
    const r = domainRequest({}, ['Example.ORG.', 'me@example.org', 'b.example.net']);
    expect(r.domains).toEqual(['example.org', 'b.example.net']);
    expect(r).toMatchObject({
      smtpPort: 25,
      httpsPort: 443,
      timeoutMs: 30_000,
      scan: 'default',
      resolvers: [],
    });
  });

  it('takes a chosen resolver with or without a port', () => {
    const r = domainRequest({ resolver: ['127.0.0.1', '[::1]:5353', '192.0.2.53:53'] }, [
      'example.org',
    ]);
    expect(r.resolvers).toHaveLength(3);
  });

  it.each([
    [{}, [], "'domain' needs at least one domain name"],
    [{}, ['not a domain'], "'not a domain' is not a domain name"],
    [{}, ['exa_mple..org'], 'is not a domain name'],
    [{ json: true, markdown: true }, ['example.org'], '--json and --markdown cannot be combined'],
    [{ resolver: ['dns.google'] }, ['example.org'], '--resolver must be an IP address'],
    [{ 'smtp-port': '0' }, ['example.org'], '--smtp-port must be a whole number from 1 to 65535'],
    [{ timeout: '9999' }, ['example.org'], '--timeout must be a whole number from 1 to 600'],
  ] as const)('rejects %j %j', (values, positionals, message) => {
    expect(() => domainRequest(values, positionals)).toThrow(UsageError);
    expect(() => domainRequest(values, positionals)).toThrow(message);
  });
});
