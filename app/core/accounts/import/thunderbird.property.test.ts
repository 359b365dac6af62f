/**
 * Property tests (fast-check) of the Thunderbird import:
 * - accountsFromPrefs never throws, on arbitrary text and on generated profiles full of odd
 *   values (news and local servers, host names with spaces or ports, 300-character names,
 *   unknown security settings, ports out of range, "DOMAIN\\user" logins, dangling references),
 *   and every account it returns passes the account model's validation (NewAccountSchema: what
 *   accounts.add will be asked to store);
 * - a plainly good account (IMAP or POP3, a host name, a known socketType, an address) is always
 *   imported, with its host, protocol, security and a port in range;
 * - parseCertOverrides reads back the SHA-256 lines of cert_override.txt in both formats, skips
 *   the rest, never throws, and every exception it returns passes CertificateExceptionSchema;
 * - parseIni reads back sections and keys, never throws on arbitrary text;
 * - the size caps hold: a prefs.js over MAX_PREFS_BYTES or a cert_override.txt over 4 MiB is
 *   never read (sparse files, so the test writes almost nothing).
 */
import { mkdir, mkdtemp, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import * as v from 'valibot';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { propertyRuns } from '../../../../test/support/properties';
import { CertificateExceptionSchema, NewAccountSchema } from '../model';
import { MAX_PREFS_BYTES } from './prefs';
import {
  accountsFromPrefs,
  importThunderbirdProfile,
  parseCertOverrides,
  parseIni,
  type ImportResult,
} from './thunderbird';

const SHA256_OID = 'OID.2.16.840.1.101.3.4.2.1';
const ACCEPTED_AT = '2026-01-02T03:04:05.000Z';

// ── generated profiles ──

const goodHost = fc.constantFrom(
  'imap.example.org',
  'mail.example.org',
  'pop.old.example',
  'MAIL.Example.ORG',
  'bücher.example',
  'smtp.example.org.',
  '192.0.2.7',
  '[2001:db8::1]',
);
const oddHost = fc.oneof(
  fc.constantFrom('Local Folders', '', ' ', 'a b.example', 'host.example:993', 'user@host', 'x'.repeat(300), '-bad.example', 'smb://share'), // prettier-ignore
  fc.string({ unit: 'binary', maxLength: 30 }),
);
const host = fc.oneof({ arbitrary: goodHost, weight: 3 }, { arbitrary: oddHost, weight: 2 });
const goodUser = fc.constantFrom('alice', 'alice@example.org', 'CORP\\alice', 'bob.smith');
const user = fc.oneof(
  { arbitrary: goodUser, weight: 3 },
  { arbitrary: fc.constantFrom('', 'x'.repeat(400), 'a b', 'a@b@c'), weight: 1 },
  { arbitrary: fc.string({ unit: 'binary', maxLength: 30 }), weight: 1 },
);
const goodAddress = fc.constantFrom('alice@example.org', 'bob@old.example', 'carol@bücher.example');
const address = fc.oneof(
  { arbitrary: goodAddress, weight: 3 },
  { arbitrary: fc.constantFrom('', 'not an address', '<a@b.example>', `${'x'.repeat(70)}@example.org`), weight: 1 }, // prettier-ignore
  { arbitrary: fc.string({ unit: 'binary', maxLength: 30 }), weight: 1 },
);
const displayName = fc.oneof(
  fc.constantFrom('Work mail', 'Böb "the builder"', 'x'.repeat(250)),
  fc.string({ unit: 'binary', maxLength: 40 }),
);
const intLike = (good: fc.Arbitrary<number>): fc.Arbitrary<number | string> =>
  fc.oneof(
    { arbitrary: good, weight: 4 },
    { arbitrary: fc.integer({ min: -100_000, max: 100_000 }), weight: 1 },
    { arbitrary: fc.constantFrom('993', ''), weight: 1 },
  );
const socketType = intLike(fc.integer({ min: 0, max: 3 }));
const port = intLike(fc.constantFrom(143, 993, 110, 995, 587, 465, 25));

const server = fc.record(
  {
    type: fc.oneof(
      { arbitrary: fc.constantFrom('imap', 'pop3'), weight: 4 },
      { arbitrary: fc.constantFrom('nntp', 'none', 'rss', 'movemail', ''), weight: 1 },
    ),
    hostname: host,
    port,
    socketType,
    userName: user,
    name: displayName,
    authMethod: intLike(fc.constantFrom(3, 4, 10)),
  },
  { requiredKeys: ['type', 'hostname'] },
);
const identity = fc.record(
  { useremail: address, fullName: displayName, smtpServer: fc.constantFrom('smtp0', 'smtp1', 'smtp9') }, // prettier-ignore
  { requiredKeys: [] },
);
const smtp = fc.record(
  {
    prefix: fc.constantFrom('mail.smtpserver.', 'mail.outgoingserver.'),
    hostname: host,
    port,
    security: fc.constantFrom('try_ssl', 'socketType'),
    securityValue: socketType,
    username: user,
    authMethod: intLike(fc.constantFrom(3, 10)),
  },
  { requiredKeys: ['prefix', 'hostname'] },
);

interface Profile {
  readonly text: string;
  /** The n of every accountN listed in mail.accountmanager.accounts (→ serverN, idN). */
  readonly listed: readonly number[];
}

const profile: fc.Arbitrary<Profile> = fc
  .record({
    servers: fc.array(server, { minLength: 1, maxLength: 4 }),
    identities: fc.array(identity, { maxLength: 4 }),
    smtps: fc.array(smtp, { maxLength: 3 }),
    listed: fc.array(fc.nat(3), { maxLength: 5 }),
    defaultSmtp: fc.option(fc.constantFrom('smtp0', 'smtp1', 'smtp9')),
    noise: fc.array(
      fc.constantFrom(
        '// Mozilla User Preferences',
        '',
        'user_pref("cut short',
        'user_pref(garbage);',
      ),
      { maxLength: 3 },
    ),
  })
  .map((p) => {
    const lines: string[] = [...p.noise];
    const pref = (name: string, value: unknown): void => {
      if (value !== undefined)
        lines.push(`user_pref(${JSON.stringify(name)}, ${JSON.stringify(value)});`);
    };
    p.servers.forEach((s, i) => {
      for (const [k, val] of Object.entries(s)) pref(`mail.server.server${i}.${k}`, val);
    });
    p.identities.forEach((id, i) => {
      for (const [k, val] of Object.entries(id)) pref(`mail.identity.id${i}.${k}`, val);
    });
    p.smtps.forEach((s, i) => {
      const base = `${s.prefix}smtp${i}.`;
      pref(`${base}hostname`, s.hostname);
      pref(`${base}port`, s.port);
      if (s.securityValue !== undefined) pref(`${base}${s.security ?? 'try_ssl'}`, s.securityValue);
      pref(`${base}username`, s.username);
      pref(`${base}authMethod`, s.authMethod);
    });
    for (const n of new Set(p.listed)) {
      pref(`mail.account.account${n}.server`, `server${n}`);
      pref(`mail.account.account${n}.identities`, `id${n}`);
    }
    pref(
      'mail.accountmanager.accounts',
      [...new Set(p.listed)].map((n) => `account${n}`).join(','),
    );
    if (p.defaultSmtp !== null) pref('mail.smtp.defaultserver', p.defaultSmtp);
    return { text: lines.join('\n'), listed: [...new Set(p.listed)] };
  });

/** cert_override.txt lines for some of the hosts, in both formats, and SHA-1 lines. */
const overrides = fc
  .array(
    fc.record({
      host: fc.oneof(goodHost, oddHost),
      port: fc.oneof(fc.constantFrom(993, 995, 587, 465), fc.integer({ min: 0, max: 70_000 })),
      fp: fc.uint8Array({ minLength: 32, maxLength: 32 }),
      lower: fc.boolean(),
      format: fc.constantFrom('new', 'old', 'sha1'),
    }),
    { maxLength: 4 },
  )
  .map((entries) =>
    [
      '# PSM Certificate Override Settings file',
      ...entries.map((e) => {
        let fp = Buffer.from(e.fp).toString('hex').toUpperCase().match(/../g)?.join(':') ?? '';
        if (e.lower) fp = fp.toLowerCase();
        if (e.format === 'sha1') return `${e.host}:${e.port}\tOID.1.3.14.3.2.26\tAB:CD\tU\tAAAA`;
        return e.format === 'new'
          ? `${e.host}:${e.port}:\t${SHA256_OID}\t${fp}\t\tAAAA`
          : `${e.host}:${e.port}\t${SHA256_OID}\t${fp}\tMU\tAAAA`;
      }),
    ].join('\n'),
  );

function expectValid(result: ImportResult): void {
  for (const a of result.accounts) {
    const parsed = v.safeParse(NewAccountSchema, a);
    expect(
      parsed.success,
      `${JSON.stringify(a).slice(0, 300)}: ${parsed.issues?.map((i) => i.message).join('; ')}`,
    ).toBe(true);
  }
  for (const n of result.notes) {
    expect(['info', 'warning']).toContain(n.level);
    expect(typeof n.text).toBe('string');
  }
}

describe('accountsFromPrefs', () => {
  it('never throws, and every account it returns passes the model’s validation', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          { arbitrary: profile.map((p) => p.text), weight: 4 },
          { arbitrary: fc.string({ unit: 'binary', maxLength: 300 }), weight: 1 },
        ),
        overrides,
        (text, overrideText) => {
          expectValid(accountsFromPrefs(text, parseCertOverrides(overrideText, ACCEPTED_AT)));
        },
      ),
      propertyRuns(400),
    );
  });

  it('mutated profiles: never a throw, never an invalid account', () => {
    fc.assert(
      fc.property(
        profile,
        fc.array(fc.tuple(fc.nat(), fc.string({ unit: 'binary', maxLength: 3 })), { minLength: 1, maxLength: 5 }), // prettier-ignore
        (p, edits) => {
          let text = p.text;
          for (const [at, s] of edits) {
            const i = at % Math.max(1, text.length);
            text = text.slice(0, i) + s + text.slice(i + 1);
          }
          expectValid(accountsFromPrefs(text));
        },
      ),
      propertyRuns(300),
    );
  });

  it('a plainly good account is always imported, as configured', () => {
    const sane = fc.record({
      type: fc.constantFrom('imap' as const, 'pop3' as const),
      hostname: goodHost,
      socketType: fc.integer({ min: 0, max: 3 }),
      port: fc.integer({ min: 1, max: 65535 }),
      userName: goodUser,
      email: goodAddress,
    });
    const SECURITY = ['none', 'starttls-if-available', 'starttls', 'implicit'];
    fc.assert(
      fc.property(profile, sane, (p, s) => {
        // One more account, account99 → server99 / id99, first in the list.
        const extra = [
          `user_pref("mail.server.server99.type", "${s.type}");`,
          `user_pref("mail.server.server99.hostname", ${JSON.stringify(s.hostname)});`,
          `user_pref("mail.server.server99.socketType", ${s.socketType});`,
          `user_pref("mail.server.server99.port", ${s.port});`,
          `user_pref("mail.server.server99.userName", ${JSON.stringify(s.userName)});`,
          `user_pref("mail.identity.id99.useremail", "${s.email}");`,
          'user_pref("mail.account.account99.server", "server99");',
          'user_pref("mail.account.account99.identities", "id99");',
        ];
        const listed = ['account99', ...p.listed.map((n) => `account${n}`)].join(',');
        const text = [
          p.text,
          ...extra,
          `user_pref("mail.accountmanager.accounts", "${listed}");`,
        ].join('\n');
        const result = accountsFromPrefs(text);
        expectValid(result);
        expect(result.accounts[0]).toMatchObject({
          address: s.email,
          username: s.userName,
          incoming: {
            protocol: s.type,
            host: s.hostname,
            port: s.port,
            security: SECURITY[s.socketType],
          },
        });
      }),
      propertyRuns(200),
    );
  });
});

describe('parseCertOverrides', () => {
  it('reads back the SHA-256 lines, both formats, upper-cased', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            host: goodHost.filter((h) => !h.includes(':') || h.startsWith('[')),
            port: fc.integer({ min: 1, max: 65535 }),
            fp: fc.uint8Array({ minLength: 32, maxLength: 32 }),
            format: fc.constantFrom('new', 'old'),
          }),
          { maxLength: 5 },
        ),
        (entries) => {
          const hex = (b: Uint8Array): string =>
            Buffer.from(b).toString('hex').toUpperCase().match(/../g)?.join(':') ?? '';
          const text = entries
            .map((e) =>
              e.format === 'new'
                ? `${e.host}:${e.port}:^userContextId=1\t${SHA256_OID}\t${hex(e.fp).toLowerCase()}\t\tAAAA`
                : `${e.host}:${e.port}\t${SHA256_OID}\t${hex(e.fp)}\tMU\tAAAA`,
            )
            .join('\r\n');
          expect(parseCertOverrides(text, ACCEPTED_AT)).toEqual(
            entries.map((e) => ({
              sha256: hex(e.fp),
              host: e.host,
              port: e.port,
              acceptedAt: ACCEPTED_AT,
              origin: 'thunderbird',
            })),
          );
        },
      ),
      propertyRuns(300),
    );
  });

  it('never throws; every exception it returns passes the model’s validation', () => {
    fc.assert(
      fc.property(fc.oneof(overrides, fc.string({ unit: 'binary', maxLength: 300 })), (text) => {
        for (const x of parseCertOverrides(text, ACCEPTED_AT)) {
          expect(v.is(CertificateExceptionSchema, x), JSON.stringify(x)).toBe(true);
        }
      }),
      propertyRuns(400),
    );
  });
});

describe('parseIni', () => {
  const word = fc.stringMatching(/^[A-Za-z0-9_.]{1,12}$/);
  const valueText = fc.stringMatching(/^[^\r\n]{0,20}$/).map((s) => s.trim());
  it('reads back sections and keys (the last one winning), among comments and blank lines', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(word, fc.array(fc.tuple(word, valueText), { maxLength: 4 })), {
          maxLength: 4,
        }),
        fc.boolean(),
        (sections, crlf) => {
          const text = sections
            .flatMap(([name, keys]) => [
              '; a comment',
              `[${name}]`,
              ...keys.map(([k, val]) => `${k}=${val}`),
              '',
            ])
            .join(crlf ? '\r\n' : '\n');
          const want = new Map<string, Map<string, string>>();
          for (const [name, keys] of sections) want.set(name, new Map(keys)); // a repeated section starts again
          expect(parseIni(text)).toEqual(want);
        },
      ),
      propertyRuns(300),
    );
  });

  it('never throws on arbitrary text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (text) => {
        for (const [, keys] of parseIni(text)) {
          for (const [k, val] of keys) {
            expect(k).toBe(k.trim());
            expect(val).toBe(val.trim());
          }
        }
      }),
      propertyRuns(300),
    );
  });
});

describe('the size caps', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sealcheck-tb-caps-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const PREFS = [
    'user_pref("mail.account.account1.server", "server1");',
    'user_pref("mail.account.account1.identities", "id1");',
    'user_pref("mail.accountmanager.accounts", "account1");',
    'user_pref("mail.identity.id1.useremail", "alice@example.org");',
    'user_pref("mail.server.server1.hostname", "imap.example.org");',
    'user_pref("mail.server.server1.socketType", 3);',
    'user_pref("mail.server.server1.type", "imap");',
    '',
  ].join('\n');
  const OVERRIDE = `imap.example.org:993:\t${SHA256_OID}\t${'AB:'.repeat(31)}AB\t\tAAAA\n`;

  it('a prefs.js over MAX_PREFS_BYTES, or a cert_override.txt over 4 MiB, is not read', async () => {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 1 << 20 }),
        fc.boolean(),
        async (over, bigPrefs) => {
          const profileDir = join(dir, `p${n++}`);
          await mkdir(profileDir);
          const prefs = join(profileDir, 'prefs.js');
          const overridesFile = join(profileDir, 'cert_override.txt');
          await writeFile(prefs, PREFS);
          await writeFile(overridesFile, OVERRIDE);
          // Each file read as it is: one account with its exception.
          const within = await importThunderbirdProfile(profileDir);
          expect(within.accounts[0]?.certificateExceptions).toHaveLength(1);
          // Padded past its cap (sparse: nothing written), it is left unread.
          if (bigPrefs) await truncate(prefs, MAX_PREFS_BYTES + over);
          else await truncate(overridesFile, 4 * 1024 * 1024 + over);
          const r = await importThunderbirdProfile(profileDir);
          if (bigPrefs) {
            expect(r.accounts).toEqual([]);
            expect(r.notes[0]).toMatchObject({ level: 'warning' });
          } else {
            expect(r.accounts).toHaveLength(1);
            expect(r.accounts[0]?.certificateExceptions).toEqual([]);
          }
        },
      ),
      propertyRuns(6),
    );
  });
});
