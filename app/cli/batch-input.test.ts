/** The batch input parsers: CSV quoting, BOM, CRLF, blank lines, JSON arrays and lines, caps. */
import { describe, expect, test } from 'vitest';
import {
  csvRecords,
  csvRows,
  decodeCapped,
  formatOfFile,
  jsonRows,
  MAX_INPUT_BYTES,
  MAX_INPUT_ROWS,
  MAX_RECORD_CHARS,
  type InputRow,
} from './batch-input';

async function all<T>(gen: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of gen) out.push(x);
  return out;
}

/** The same text split into chunks of every size from 1 to 7 characters. */
function splits(text: string): string[][] {
  const out: string[][] = [[text]];
  for (let n = 1; n <= 7; n++) {
    const chunks: string[] = [];
    for (let i = 0; i < text.length; i += n) chunks.push(text.slice(i, i + n));
    out.push(chunks);
  }
  return out;
}

describe('csvRecords', () => {
  test('quotes: commas, doubled quotes and line breaks inside; the start line of each record', async () => {
    const text = 'a,"b,c","say ""hi"""\n"multi\nline",x\n  y  , " z "\n';
    for (const chunks of splits(text)) {
      expect(await all(csvRecords(chunks))).toEqual([
        { line: 1, fields: ['a', 'b,c', 'say "hi"'] },
        { line: 2, fields: ['multi\nline', 'x'] },
        { line: 4, fields: ['y', ' z '] },
      ]);
    }
  });

  test('BOM, CRLF, lone CR, blank lines and no final newline', async () => {
    const text = '\uFEFFh1,h2\r\n\r\n1,2\r\n\n3,4\r5,6';
    for (const chunks of splits(text)) {
      expect(await all(csvRecords(chunks))).toEqual([
        { line: 1, fields: ['h1', 'h2'] },
        { line: 3, fields: ['1', '2'] },
        { line: 5, fields: ['3', '4'] },
        { line: 6, fields: ['5', '6'] },
      ]);
    }
  });

  test('an unclosed quote, text after a closing quote, a stray quote: errors with the line', async () => {
    await expect(all(csvRecords(['a\n"open,\n']))).rejects.toThrow(/line 2: .*not closed/);
    await expect(all(csvRecords(['a\n"x"y\n']))).rejects.toThrow(/line 2: text after a closing/);
    await expect(all(csvRecords(['a\nx"y\n']))).rejects.toThrow(/line 2: a quote inside/);
  });

  test('a record longer than the cap is an error, not a buffer without end', async () => {
    const long = `"${'x'.repeat(MAX_RECORD_CHARS + 10)}"`;
    await expect(all(csvRecords(['host\n', long]))).rejects.toThrow(/line 2: a record longer/);
  });
});

describe('csvRows', () => {
  test('header in any order and case, missing columns empty, blank rows skipped', async () => {
    const text =
      'Port,HOST,protocol,tls,xmpp_domain\n993,mail.example.org,imap,implicit,\n,,,,\n,other.example,,,\n';
    const rows = await all(csvRows([text]));
    expect(rows).toEqual<InputRow[]>([
      { line: 2, host: 'mail.example.org', protocol: 'imap', port: '993', tls: 'implicit' },
      { line: 4, host: 'other.example' },
    ]);
  });

  test('bad headers and rows name the line', async () => {
    await expect(all(csvRows(['']))).rejects.toThrow(/empty/);
    await expect(all(csvRows(['host,prot\n']))).rejects.toThrow(/line 1: unknown column 'prot'/);
    await expect(all(csvRows(['protocol\nimap\n']))).rejects.toThrow(/line 1: .*no 'host'/);
    await expect(all(csvRows(['host,host\n']))).rejects.toThrow(/line 1: column 'host' twice/);
    await expect(all(csvRows(['host\na,b\n']))).rejects.toThrow(/line 2: 2 fields/);
    await expect(all(csvRows(['host,port\n\n,993\n']))).rejects.toThrow(/line 3: no host/);
  });

  test('more rows than the cap: an error', async () => {
    function* many(): Generator<string> {
      yield 'host\n';
      for (let i = 0; i <= MAX_INPUT_ROWS; i++) yield `h${i}.example\n`;
    }
    await expect(all(csvRows(many()))).rejects.toThrow(`more than ${MAX_INPUT_ROWS} rows`);
  });
});

describe('jsonRows', () => {
  test('an array of objects: numbers as ports, null as absent, entries numbered', async () => {
    const text =
      ' [{"host":"a.example","port":993,"protocol":"imap"},{"host":"b.example","tls":null,"xmppDomain":"b"}]';
    for (const chunks of splits(text)) {
      expect(await all(jsonRows(chunks))).toEqual<InputRow[]>([
        { line: 1, host: 'a.example', port: '993', protocol: 'imap' },
        { line: 2, host: 'b.example', xmppDomain: 'b' },
      ]);
    }
  });

  test('JSON lines with a BOM, CRLF and blank lines', async () => {
    const text = '\uFEFF{"host":"a.example"}\r\n\r\n{"host":"b.example","protocol":"pop3"}';
    for (const chunks of splits(text)) {
      expect(await all(jsonRows(chunks))).toEqual<InputRow[]>([
        { line: 1, host: 'a.example' },
        { line: 3, host: 'b.example', protocol: 'pop3' },
      ]);
    }
  });

  test('bad entries name the line or the entry', async () => {
    await expect(all(jsonRows(['  \n']))).rejects.toThrow(/empty/);
    await expect(all(jsonRows(['{"host":"a"}\n{"host":\n']))).rejects.toThrow(
      /line 2: not valid JSON/,
    );
    await expect(all(jsonRows(['{"host":"a","prot":"imap"}']))).rejects.toThrow(
      /line 1: unknown key 'prot'/,
    );
    await expect(all(jsonRows(['[{"host":"a"},42]']))).rejects.toThrow(
      /entry 2 of the array: expected an object/,
    );
    await expect(all(jsonRows(['[{"port":1}]']))).rejects.toThrow(/entry 1 of the array: no host/);
    await expect(all(jsonRows(['[{"host":["a"]}]']))).rejects.toThrow(/'host' must be a string/);
    await expect(all(jsonRows(['{"a":1}']))).rejects.toThrow(/unknown key 'a'/);
    await expect(all(jsonRows(['[1,']))).rejects.toThrow(/not valid JSON/);
    await expect(all(jsonRows(['{}']))).rejects.toThrow(/line 1: no host/);
  });
});

describe('input files', () => {
  test('the format from the extension', () => {
    expect(formatOfFile('list.CSV')).toBe('csv');
    expect(formatOfFile('a.json')).toBe('json');
    expect(formatOfFile('a.jsonl')).toBe('json');
    expect(formatOfFile('a.txt')).toBeNull();
  });

  test('UTF-8 split inside a character is decoded whole; more bytes than the cap fail', async () => {
    const bytes = Buffer.from('host\nbücher.example\n');
    const parts = [bytes.subarray(0, 7), bytes.subarray(7)];
    expect((await all(decodeCapped(parts))).join('')).toBe('host\nbücher.example\n');
    async function* big(): AsyncGenerator<Buffer> {
      const mib = Buffer.alloc(1024 * 1024, 0x20);
      for (let i = 0; i <= MAX_INPUT_BYTES / mib.length; i++) yield mib;
    }
    await expect(all(decodeCapped(big()))).rejects.toThrow(/larger than 64 MiB/);
  });
});
