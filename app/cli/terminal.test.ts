import { describe, expect, test } from 'vitest';
import { jsonForTerminal, terminalSafe } from './terminal';

describe('terminalSafe', () => {
  test('leaves ordinary text alone, including non-Latin scripts and emoji', () => {
    const text = 'imap.example.org ready — Grüße, 你好, שלום, 👨‍👩‍👧 \\ "quoted"';
    expect(terminalSafe(text)).toBe(text);
  });

  test('makes escape sequences inert and visible', () => {
    expect(terminalSafe('\u001b[2J\u001b]0;pwned\u0007ok')).toBe('\\x1b[2J\\x1b]0;pwned\\x07ok');
  });

  test('line breaks cannot forge extra output lines', () => {
    expect(terminalSafe('220 hi\r\nok    keychain  fine')).toBe('220 hi\\r\\nok    keychain  fine');
    expect(terminalSafe('a\tb')).toBe('a\\tb');
  });

  test('C1 controls (e.g. the single-byte CSI U+009B) and DEL', () => {
    expect(terminalSafe('\u009b31mred\u007f')).toBe('\\x9b31mred\\x7f');
    expect(terminalSafe('\u0085')).toBe('\\x85');
  });

  test('bidirectional overrides, embeddings, isolates and marks', () => {
    // "evil\u202Egpj.exe" would display as "evilexe.jpg".
    expect(terminalSafe('evil\u202Egpj.exe')).toBe('evil\\u202Egpj.exe');
    for (const cp of [
      0x061c, 0x200e, 0x200f, 0x202a, 0x202b, 0x202c, 0x202d, 0x202e, 0x2066, 0x2067, 0x2068,
      0x2069,
    ]) {
      const ch = String.fromCodePoint(cp);
      const out = terminalSafe(`x${ch}y`);
      expect(out).toBe(`x\\u${cp.toString(16).toUpperCase().padStart(4, '0')}y`);
    }
  });

  test('the zero-width joiner stays, so emoji sequences survive', () => {
    expect(terminalSafe('👩\u200d💻')).toBe('👩\u200d💻');
  });
});

describe('jsonForTerminal', () => {
  test('stays valid JSON with the same value, and inert', () => {
    const value = { banner: '\u001b[31m\u009b\u202e\u2028x\u007f', n: 1 };
    const json = jsonForTerminal(value);
    expect(JSON.parse(json)).toEqual(value);
    // eslint-disable-next-line no-control-regex
    expect(json).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202e\u2028]/);
  });
});
