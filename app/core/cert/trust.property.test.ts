/**
 * Property tests (fast-check) of the PEM readers in trust.ts:
 * - splitPem finds exactly the certificate blocks in a text, whatever surrounds them (other PEM
 *   blocks, comments, CRLF, junk), and never throws on arbitrary text;
 * - parsePem reads a real certificate whatever surrounds it and however its base64 is wrapped,
 *   gives null (never a throw) for arbitrary text and for mutated base64, and a parsed one always
 *   fingerprints the DER inside the block.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { propertyRuns } from '../../../test/support/properties';
import { colonHex } from './parse';
import { CA_EXTENSIONS, leafExtensions, makeCert, type TestCert } from './test-support';
import { parsePem, splitPem } from './trust';

let dir: string;
let certs: TestCert[] = [];

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'sealcheck-trust-prop-'));
  const root = makeCert(dir, 'root', { subject: '/CN=PEM Root', extensions: CA_EXTENSIONS });
  const leaf = makeCert(dir, 'leaf', { subject: '/CN=pem.example', issuer: root, extensions: leafExtensions(['DNS:pem.example']) }); // prettier-ignore
  certs = [root, leaf];
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

const BEGIN = '-----BEGIN CERTIFICATE-----';
const END = '-----END CERTIFICATE-----';

/** Text between blocks: anything that does not itself open or close a certificate block. */
const junk = fc
  .oneof(
    fc.string({ unit: 'binary', maxLength: 60 }),
    fc.constantFrom(
      '',
      '\n',
      '\r\n',
      '# Example Root\n',
      'subject=CN = x\nissuer=CN = y\n',
      '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n',
      '-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n',
    ),
  )
  .filter((s) => !s.includes(BEGIN) && !s.includes(END));

/** A certificate's PEM with its base64 wrapped at `width` (0: one line), LF or CRLF. */
function wrap(c: TestCert, width: number, crlf: boolean): string {
  const nl = crlf ? '\r\n' : '\n';
  const lines = width === 0 ? [c.b64] : (c.b64.match(new RegExp(`.{1,${width}}`, 'g')) ?? []);
  return [BEGIN, ...lines, END].join(nl);
}
const pem = fc
  .tuple(fc.nat(), fc.constantFrom(0, 16, 64, 76), fc.boolean())
  .map(([i, width, crlf]) => {
    const cert = certs[i % certs.length] as TestCert;
    return { cert, text: wrap(cert, width, crlf) };
  });

describe('splitPem', () => {
  it('finds exactly the certificate blocks, whatever surrounds them', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(junk, pem), { maxLength: 4 }), junk, (parts, tail) => {
        const text = parts.map(([j, p]) => j + p.text).join('') + tail;
        expect(splitPem(text)).toEqual(parts.map(([, p]) => p.text));
      }),
      propertyRuns(300),
    );
  });

  it('never throws on arbitrary text; every block it returns is one certificate block', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(fc.string({ unit: 'binary', maxLength: 40 }), fc.constantFrom(BEGIN, END)),
          {
            maxLength: 8,
          },
        ),
        (pieces) => {
          for (const block of splitPem(pieces.join(''))) {
            expect(block.startsWith(BEGIN) && block.endsWith(END)).toBe(true);
            expect(block.slice(BEGIN.length, -END.length)).not.toContain(END);
          }
        },
      ),
      propertyRuns(300),
    );
  });
});

describe('parsePem', () => {
  it('reads a real certificate whatever surrounds it and however it is wrapped', () => {
    fc.assert(
      fc.property(junk, pem, junk, (before, p, after) => {
        const parsed = parsePem(before + p.text + after);
        expect(parsed?.info.sha256).toBe(
          colonHex(createHash('sha256').update(Buffer.from(p.cert.b64, 'base64')).digest()),
        );
      }),
      propertyRuns(200),
    );
  });

  it('arbitrary text and mutated base64: null or a certificate of exactly the DER inside, never a throw', () => {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=';
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ unit: 'binary', maxLength: 200 }),
          fc.string({ unit: 'binary', maxLength: 200 }).map((s) => `${BEGIN}\n${s}\n${END}`),
          fc
            .tuple(
              fc.nat(),
              fc.array(fc.tuple(fc.nat(), fc.nat(alphabet.length - 1)), {
                minLength: 1,
                maxLength: 4,
              }),
            )
            .map(([i, edits]) => {
              const b64 = [...(certs[i % certs.length] as TestCert).b64];
              for (const [at, c] of edits) b64[at % b64.length] = alphabet[c] ?? 'A';
              return `${BEGIN}\n${b64.join('')}\n${END}\n`;
            }),
        ),
        (text) => {
          const parsed = parsePem(text);
          if (parsed === null) return;
          const inside = /-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/.exec(
            text,
          );
          const der = Buffer.from((inside?.[1] ?? '').replace(/\s+/g, ''), 'base64');
          expect(parsed.info.sha256).toBe(colonHex(createHash('sha256').update(der).digest()));
        },
      ),
      propertyRuns(300),
    );
  });
});
