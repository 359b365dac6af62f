/** The registry: one dialog per protocol, and the standard endpoints `check HOST` tries. */
import { describe, expect, test } from 'vitest';
import {
  DIALOGS,
  PROTOCOLS,
  STANDARD_ENDPOINTS,
  defaultPort,
  defaultSecurity,
  standardTargets,
} from './registry';

describe('registry', () => {
  test('every protocol has its own dialog', () => {
    for (const p of PROTOCOLS) expect(DIALOGS[p].protocol).toBe(p);
  });

  test('the standard endpoints, implicit TLS first (RFC 8314, XEP-0368)', () => {
    expect(STANDARD_ENDPOINTS.map((e) => `${e.protocol}/${e.port}/${e.security}`)).toEqual([
      'imap/993/implicit',
      'imap/143/starttls',
      'pop3/995/implicit',
      'pop3/110/starttls',
      'submission/465/implicit',
      'submission/587/starttls',
      'smtp/25/starttls',
      'xmpp/5223/implicit',
      'xmpp/5222/starttls',
    ]);
  });

  test('default ports and modes', () => {
    expect(defaultSecurity('imap')).toBe('implicit');
    expect(defaultSecurity('smtp')).toBe('starttls');
    expect(defaultPort('pop3', 'none')).toBe(110);
    expect(defaultPort('smtp', 'implicit')).toBeNull();
    expect(defaultPort('xmpp', 'implicit')).toBe(5223);
  });

  test('standard targets carry the XMPP domain only for XMPP', () => {
    const targets = standardTargets('chat.example.org', 'example.org');
    expect(targets.filter((t) => t.xmppDomain === 'example.org').map((t) => t.protocol)).toEqual([
      'xmpp',
      'xmpp',
    ]);
    expect(targets.every((t) => t.host === 'chat.example.org')).toBe(true);
  });
});
