/** "What Sealcheck contacted": every lookup and connection of a check, from its facts. */
import { describe, expect, it } from 'vitest';
import { facts, goodAddress, scan, target } from '../findings/test-fixtures';
import { contactedLines } from './view';

describe('contactedLines', () => {
  it('names the lookup, the dialog connections with the injection test, and the scan', () => {
    const a = { ...goodAddress('starttls'), connections: 2, scan: { ...scan(), connections: 5 } };
    const lines = contactedLines(facts(target({ host: 'mail.example.org', port: 143 }), a));
    expect(lines[0]).toBe("Name lookup of mail.example.org with this computer's resolver.");
    expect(lines.some((l) => /:143: 2 connections for the IMAP dialog/.test(l))).toBe(true);
    expect(lines.some((l) => /:143: 5 connections for the TLS scan\./.test(l))).toBe(true);
  });

  it('says where a connect-to rule sent the connections, and the names looked up for the certificate', () => {
    const a = {
      ...goodAddress('implicit'),
      connections: 1,
      scan: null,
      sameServerNames: [{ name: 'mail.hostingco.net', sameAddress: true }],
    };
    const t = target({
      host: 'mail.example.org',
      port: 993,
      connectTo: { host: '127.0.0.1', port: 10993 },
    });
    const lines = contactedLines(facts(t, a));
    expect(lines[0]).toContain('(reached at 127.0.0.1:10993)');
    expect(lines.some((l) => /:10993: 1 connection for the IMAP dialog\./.test(l))).toBe(true);
    expect(lines.at(-1)).toBe(
      'Name lookups of mail.hostingco.net, the names the certificate is for.',
    );
  });
});
