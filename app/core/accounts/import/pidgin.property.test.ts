/**
 * Property tests (fast-check) of the Pidgin import (accounts.xml):
 * - accountsFromPidginXml never throws, on arbitrary text, on generated files full of odd values
 *   (addresses with "<" or spaces, 300-character server names, unknown security settings, ports
 *   out of range, 5000-character aliases) and on mutated ones, and every account it returns
 *   passes the account model's validation (NewAccountSchema);
 * - a plainly good XMPP account is always imported with its server, port and security, and no
 *   password ever appears in the result;
 * - the caps hold: nesting deeper than 16 is refused with a note, a file over
 *   MAX_ACCOUNTS_XML_BYTES is never read (sparse files: the test writes almost nothing).
 */
import { mkdtemp, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import * as v from 'valibot';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { propertyRuns } from '../../../../test/support/properties';
import { NewAccountSchema } from '../model';
import { accountsFromPidginXml, importPidgin, MAX_ACCOUNTS_XML_BYTES } from './pidgin';
import type { ImportResult } from './thunderbird';

const xmlText = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/'/g, '&apos;');
/** Text that XML can carry: no control characters but tab and newlines, no lone surrogates. */
const xmlSafe = (max: number): fc.Arbitrary<string> =>
  fc
    .string({ unit: 'grapheme', maxLength: max })
    // eslint-disable-next-line no-control-regex
    .map((s) => s.replace(/[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]/g, ''));

const goodAddress = fc.constantFrom(
  'alice@chat.example',
  'bob@old.example',
  'carol@bücher.example',
);
const address = fc.oneof(
  { arbitrary: goodAddress, weight: 3 },
  { arbitrary: goodAddress.map((a) => `${a}/Laptop`), weight: 1 },
  { arbitrary: fc.constantFrom('a<b@chat.example', 'a"b@x.example', 'no-at-sign', 'a@b@c', 'a b@c.example', `x@${'y'.repeat(300)}`, 'x@bad!host', ''), weight: 2 }, // prettier-ignore
  { arbitrary: xmlSafe(30), weight: 1 },
);
const goodServer = fc.constantFrom(
  'xmpp.chat.example',
  'chat.example',
  '192.0.2.7',
  '[2001:db8::1]',
);
const server = fc.oneof(
  { arbitrary: goodServer, weight: 3 },
  { arbitrary: fc.constantFrom('', 'a b', 'host:5222', 'x'.repeat(300), '-x.example'), weight: 1 },
  { arbitrary: xmlSafe(20), weight: 1 },
);
const security = fc.oneof(
  { arbitrary: fc.constantFrom('require_tls', 'opportunistic_tls', 'old_ssl'), weight: 4 },
  { arbitrary: fc.constantFrom('none', '', 'REQUIRE_TLS'), weight: 1 },
);
const portText = fc.oneof(
  fc.integer({ min: 1, max: 65535 }).map(String),
  fc.constantFrom('0', '65536', '-1', 'x', '', '5222 '),
);

interface RawAccount {
  protocol: string;
  name: string;
  alias?: string;
  settings: [string, string][];
}
const account: fc.Arbitrary<RawAccount> = fc.record(
  {
    protocol: fc.oneof(
      { arbitrary: fc.constant('prpl-jabber'), weight: 4 },
      { arbitrary: fc.constantFrom('prpl-irc', 'prpl-icq', ''), weight: 1 },
    ),
    name: address,
    alias: fc.oneof(xmlSafe(30), fc.constant('x'.repeat(5000))),
    settings: fc.array(
      fc.oneof(
        security.map((s): [string, string] => ['connection_security', s]),
        server.map((s): [string, string] => ['connect_server', s]),
        portText.map((p): [string, string] => ['port', p]),
        fc.constantFrom('0', '1').map((b): [string, string] => ['auth_plain_in_clear', b]),
      ),
      { maxLength: 5 },
    ),
  },
  { requiredKeys: ['protocol', 'name', 'settings'] },
);

function accountXml(a: RawAccount, password: string): string {
  return [
    '  <account>',
    `    <protocol>${xmlText(a.protocol)}</protocol>`,
    `    <name>${xmlText(a.name)}</name>`,
    `    <password>${xmlText(password)}</password>`,
    ...(a.alias !== undefined ? [`    <alias>${xmlText(a.alias)}</alias>`] : []),
    '    <settings>',
    ...a.settings.map(
      ([k, val]) => `      <setting name='${xmlText(k)}' type='string'>${xmlText(val)}</setting>`,
    ),
    '    </settings>',
    '  </account>',
  ].join('\n');
}
const file = (accounts: readonly RawAccount[], password = 'pidgin-secret'): string =>
  `<?xml version='1.0' encoding='UTF-8' ?>\n<account version='1.0'>\n${accounts.map((a) => accountXml(a, password)).join('\n')}\n</account>`;

function expectValid(result: ImportResult): void {
  for (const a of result.accounts) {
    const parsed = v.safeParse(NewAccountSchema, a);
    expect(
      parsed.success,
      `${JSON.stringify(a).slice(0, 300)}: ${parsed.issues?.map((i) => i.message).join('; ')}`,
    ).toBe(true);
  }
  for (const n of result.notes) expect(['info', 'warning']).toContain(n.level);
}

describe('accountsFromPidginXml', () => {
  it('never throws, and every account it returns passes the model’s validation', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          { arbitrary: fc.array(account, { maxLength: 4 }).map((as) => file(as)), weight: 4 },
          { arbitrary: fc.string({ unit: 'binary', maxLength: 300 }), weight: 1 },
        ),
        (xml) => {
          const r = accountsFromPidginXml(xml);
          expectValid(r);
          expect(JSON.stringify(r)).not.toContain('pidgin-secret');
        },
      ),
      propertyRuns(300),
    );
  });

  it('mutated files: never a throw, never an invalid account', () => {
    fc.assert(
      fc.property(
        fc.array(account, { minLength: 1, maxLength: 3 }),
        fc.array(fc.tuple(fc.nat(), fc.constantFrom('<', '>', '&', "'", '/', '', 'x', '<!DOCTYPE a>')), { minLength: 1, maxLength: 4 }), // prettier-ignore
        (accounts, edits) => {
          let xml = file(accounts);
          for (const [at, s] of edits) {
            const i = at % xml.length;
            xml = xml.slice(0, i) + s + xml.slice(i + 1);
          }
          expectValid(accountsFromPidginXml(xml));
        },
      ),
      propertyRuns(300),
    );
  });

  it('a plainly good XMPP account is always imported, as configured', () => {
    const PORTS = { require_tls: 5222, opportunistic_tls: 5222, old_ssl: 5223 } as const;
    const SECURITY = {
      require_tls: 'starttls',
      opportunistic_tls: 'starttls-if-available',
      old_ssl: 'implicit',
    } as const;
    fc.assert(
      fc.property(
        fc.array(account, { maxLength: 3 }),
        goodAddress,
        fc.option(goodServer),
        fc.constantFrom('require_tls' as const, 'opportunistic_tls' as const, 'old_ssl' as const),
        fc.option(fc.integer({ min: 1, max: 65535 })),
        fc.nat(3),
        (others, addr, connectServer, sec, port, at) => {
          const mine: RawAccount = {
            protocol: 'prpl-jabber',
            name: `${addr}/Desktop`,
            settings: [
              ['connection_security', sec],
              ...(connectServer !== null
                ? [['connect_server', connectServer] as [string, string]]
                : []),
              ...(port !== null ? [['port', String(port)] as [string, string]] : []),
            ],
          };
          const list = [...others];
          list.splice(at % (list.length + 1), 0, mine);
          const r = accountsFromPidginXml(file(list));
          expectValid(r);
          const domain = addr.split('@')[1] ?? '';
          expect(r.accounts).toContainEqual(
            expect.objectContaining({
              address: addr,
              chat: expect.objectContaining({
                protocol: 'xmpp',
                host: connectServer ?? domain,
                port: port ?? PORTS[sec],
                security: SECURITY[sec],
              }) as unknown,
            }),
          );
        },
      ),
      propertyRuns(200),
    );
  });

  it('nesting deeper than 16 is refused with a note', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 16, max: 400 }),
        fc.array(account, { maxLength: 2 }),
        (depth, as) => {
          const deep = `${'<x>'.repeat(depth)}${'</x>'.repeat(depth)}`;
          const xml = file(as).replace('</account>\n', `</account>\n${deep}\n`);
          const r = accountsFromPidginXml(as.length > 0 ? xml : `<account>${deep}</account>`);
          expect(r.accounts).toEqual([]);
          expect(r.notes).toEqual([
            { level: 'warning', text: expect.stringMatching(/nested too deeply/) as string },
          ]);
        },
      ),
      propertyRuns(100),
    );
  });
});

describe('the size cap', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sealcheck-pidgin-cap-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('a file over MAX_ACCOUNTS_XML_BYTES is not read', async () => {
    let n = 0;
    const good: RawAccount = {
      protocol: 'prpl-jabber',
      name: 'alice@chat.example',
      settings: [['connection_security', 'require_tls']],
    };
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 1 << 20 }), async (over) => {
        const path = join(dir, `accounts${n++}.xml`);
        await writeFile(path, file([good]));
        expect((await importPidgin(path)).accounts).toHaveLength(1);
        await truncate(path, MAX_ACCOUNTS_XML_BYTES + over);
        const r = await importPidgin(path);
        expect(r.accounts).toEqual([]);
        expect(r.notes).toEqual([
          { level: 'warning', text: `${path} is not a Pidgin account file.` },
        ]);
      }),
      propertyRuns(6),
    );
  });
});
