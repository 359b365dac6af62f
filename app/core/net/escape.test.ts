import { describe, expect, it } from 'vitest';
import { escapePreview, escapeText } from './escape';

describe('escapeText', () => {
  it('escapes control characters, backslashes, C1 and bidi/invisible characters', () => {
    expect(escapeText('a\r\n\t\x00\x1b\x7f\\b').text).toBe('a\\r\\n\\t\\x00\\x1b\\x7f\\\\b');
    expect(escapeText('\u0085x').text).toBe('\\u{85}x');
    for (const cp of [0x202a, 0x202b, 0x202c, 0x202d, 0x202e, 0x2066, 0x2067, 0x2068, 0x2069]) {
      expect(escapeText(`x${String.fromCodePoint(cp)}y`).text).toBe(`x\\u{${cp.toString(16)}}y`);
    }
    expect(escapeText('\u200f\ufeff').text).toBe('\\u{200f}\\u{feff}');
  });

  it('keeps ordinary Unicode, decodes bytes as UTF-8 with replacement', () => {
    expect(escapeText('Grüße 👋').text).toBe('Grüße 👋');
    expect(escapeText(Buffer.from([0x41, 0xff, 0x42])).text).toBe('A\ufffdB');
  });

  it('truncates without splitting an escape or a surrogate pair, recording the byte length', () => {
    const e = escapeText('ab\x00', 4);
    expect(e).toEqual({ text: 'ab', truncatedFrom: 3 });
    const emoji = escapeText('👋👋👋', 3);
    expect(emoji.text).toBe('👋');
    expect(emoji.truncatedFrom).toBe(12);
    expect(escapeText('x'.repeat(600)).text).toHaveLength(512);
    expect(escapeText('short')).toEqual({ text: 'short' });
  });

  it('escapePreview marks a cut with an ellipsis', () => {
    expect(escapePreview('abcdef', 3)).toBe('abc…');
    expect(escapePreview('abc', 3)).toBe('abc');
  });
});
