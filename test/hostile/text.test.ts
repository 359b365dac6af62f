/**
 * What a server says ends up in facts, the transcript, and later in every output: long lists
 * must still be understood, and control characters, ANSI escapes and bidi overrides must never
 * appear raw anywhere in the facts (values and keys; the harness checks every string).
 */
import { describe, expect, it, vi } from 'vitest';
import type { Protocol } from '../../app/core/facts/endpoint';
import { ALL_PROTOCOLS, probeHostile } from './harness';
import { beforeTls, dialogServer, say, type Act, type CommandContext } from './servers';

// Most cases wait on a deadline, not on the CPU: run many at once (the default is 5).
vi.setConfig({ maxConcurrency: 16 });

/** A capability list with 150 unknown entries before STARTTLS and PLAIN: still recognised. */
const MANY: Readonly<Record<Protocol, Act>> = {
  imap: say(
    (c) =>
      `* CAPABILITY IMAP4rev1 ${Array.from({ length: 150 }, (_, i) => `X-EXT${i}`).join(' ')}` +
      ` STARTTLS AUTH=PLAIN\r\n${c.tag} OK done\r\n`,
  ),
  pop3: say(
    `+OK\r\n${Array.from({ length: 150 }, (_, i) => `X-EXT${i}\r\n`).join('')}STLS\r\nSASL PLAIN\r\n.\r\n`,
  ),
  smtp: say(
    `250-hostile.test\r\n${Array.from({ length: 150 }, (_, i) => `250-X-EXT${i}\r\n`).join('')}` +
      '250-AUTH PLAIN\r\n250 STARTTLS\r\n',
  ),
  submission: say(
    `250-hostile.test\r\n${Array.from({ length: 150 }, (_, i) => `250-X-EXT${i}\r\n`).join('')}` +
      '250-AUTH PLAIN\r\n250 STARTTLS\r\n',
  ),
  xmpp: say(
    `<stream:features>${Array.from({ length: 150 }, (_, i) => `<x${i} xmlns='urn:x'/>`).join('')}` +
      "<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>" +
      '<mechanism>PLAIN</mechanism></mechanisms></stream:features>',
  ),
};

describe.concurrent.each(ALL_PROTOCOLS)('%s: a long capability list', (protocol) => {
  it('150 unknown capabilities before STARTTLS and PLAIN: both still recognised', async () => {
    const run = await probeHostile(
      protocol,
      dialogServer(protocol, { on: { capabilities: beforeTls(MANY[protocol]) } }),
    );
    const before = run.address.capabilitiesBeforeTls;
    expect(run.address.status, JSON.stringify(run.address.error)).toBe('success');
    expect(before?.starttls).toBe(true);
    expect(before?.saslMechanisms).toContain('PLAIN');
    expect(run.address.starttls?.outcome).toBe('accepted');
  });
});

/** Valid dialogs whose text is hostile: control characters, ANSI escapes, bidi overrides. */
interface HostileText {
  readonly greeting?: string;
  readonly capabilities: Act;
  readonly auth: Act;
  readonly cancel: Act;
  readonly goAhead?: (c: CommandContext) => string;
}

const SMTP_TEXT: HostileText = {
  greeting: '220 hostile.test \u202Eevil\x1b[2J\x00\r\n',
  capabilities: say(
    '250-hostile.test \u2066\x07\r\n250-STARTTLS\r\n250-AUTH PLAIN \u202ELOGIN\r\n250-X-\x1b[31m \x00\r\n250 X\x85\x9b\r\n',
  ),
  auth: say('334 \u202E\x07\r\n'),
  cancel: say('501 5.0.0 \x1b[2J\u2066\r\n'),
  goAhead: () => '220 2.0.0 \u202Ego\x1b[0m\x00\r\n',
};

const HOSTILE_TEXT: Readonly<Record<Protocol, HostileText>> = {
  imap: {
    greeting: '* OK [ALERT] \u202Egnp.exe \x1b[2J\x07 ready\r\n',
    capabilities: say(
      (c) =>
        `* CAPABILITY IMAP4rev1 STARTTLS AUTH=PL\u202EAIN X-\x1b[31m=\u2066v\x00 X\x85Y=\x9b\r\n${c.tag} OK \u200F\r\n`,
    ),
    auth: say('+ \u202E\x1b[2J\r\n'),
    cancel: say((c) => `${c.tag} BAD \u202E\x00\r\n`),
    goAhead: (c) => `${c.tag} OK \u202Ebegin\x1b[0m\x07\r\n`,
  },
  pop3: {
    greeting: '+OK \u202Eready\x1b[0m\x00\r\n',
    capabilities: say(
      '+OK\r\nSTLS\r\nSASL PLAIN \u202Eevil\x07\r\nX-\x1b[31mRED \u2066\r\nX\x85\x9bY\r\n.\r\n',
    ),
    auth: say('+ \x1b[2J\u202E\r\n'),
    cancel: say('-ERR \u202E\x00\r\n'),
    goAhead: () => '+OK \u202E\x07go\r\n',
  },
  smtp: SMTP_TEXT,
  submission: SMTP_TEXT,
  xmpp: {
    capabilities: say(
      "<stream:features><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>" +
        "<mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>PLAIN</mechanism>" +
        '<mechanism>X&#x202E;&#x85;&#x9;Y</mechanism></mechanisms>' +
        "<x xmlns='urn:&#x202E;&#x2066;'>t&#x202E;&#x9;</x></stream:features>",
    ),
    auth: say("<challenge xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>&#x202E;&#x85;</challenge>"),
    cancel: say(
      "<failure xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><aborted/><text>&#x202E;&#x2066;&#x9;</text></failure>",
    ),
  },
};

describe.concurrent.each(ALL_PROTOCOLS)('%s: hostile text in a valid dialog', (protocol) => {
  it('succeeds, and no fact or transcript entry carries a raw control or bidi character', async () => {
    const { greeting, capabilities, auth, cancel, goAhead } = HOSTILE_TEXT[protocol];
    const run = await probeHostile(
      protocol,
      dialogServer(protocol, {
        ...(greeting !== undefined ? { greeting: say(greeting) } : {}),
        ...(goAhead !== undefined ? { goAhead } : {}),
        on: { capabilities: beforeTls(capabilities), auth, cancel },
      }),
    );
    // The harness checked every string of the facts (keys too) and the transcript.
    expect(run.address.status, JSON.stringify(run.address.error)).toBe('success');
    expect(run.address.capabilitiesBeforeTls?.starttls).toBe(true);
    expect(run.address.loginBeforeTls?.invited).toBe(true);
    expect(run.address.starttls?.outcome).toBe('accepted');
  });
});
