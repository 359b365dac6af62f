/**
 * `sealcheck check --input FILE`: the rows of a batch, read lazily from CSV (with a header
 * line), a JSON array of objects, or JSON lines, each validated into endpoint targets.
 *
 * A row names a host and optionally protocol, port, tls and xmpp-domain, with the meaning of
 * check's flags (a row without protocol means every standard port of the host). Any malformed
 * row is a RowError naming its line; check.ts reads the whole input once to validate and count
 * before anything runs (exit 64), then again to schedule (a file is read twice, stdin is kept).
 *
 * Caps: at most MAX_INPUT_ROWS rows and MAX_INPUT_BYTES bytes; a single CSV record or JSON line
 * longer than MAX_RECORD_CHARS is an error, not a reason to buffer without end.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { StringDecoder } from 'node:string_decoder';
import type { EndpointTarget } from '../core/facts/endpoint';

export const MAX_INPUT_ROWS = 100_000;
export const MAX_INPUT_BYTES = 64 * 1024 * 1024;
export const MAX_RECORD_CHARS = 64 * 1024;

export type InputFormat = 'csv' | 'json';

/** One row as written: the fields of check's flags, all as text (a JSON port may be a number). */
export interface InputRow {
  /** The line the row starts on (CSV, JSON lines) or its 1-based position in a JSON array. */
  readonly line: number;
  readonly host: string;
  readonly protocol?: string;
  readonly port?: string;
  readonly tls?: string;
  readonly xmppDomain?: string;
}

/** A malformed input: the message names the line (or array entry). */
export class RowError extends Error {}

export const INPUT_COLUMNS = ['host', 'protocol', 'port', 'tls', 'xmpp-domain'] as const;
type Column = (typeof INPUT_COLUMNS)[number];

function columnOf(name: string): Column | null {
  const n = name.trim().toLowerCase().replace(/_/g, '-');
  if (n === 'xmppdomain') return 'xmpp-domain';
  return (INPUT_COLUMNS as readonly string[]).includes(n) ? (n as Column) : null;
}

function rowFrom(line: number, fields: ReadonlyMap<Column, string>): InputRow {
  const host = fields.get('host') ?? '';
  if (host === '') throw new RowError(`line ${line}: no host`);
  const get = (c: Column): string | undefined => {
    const v = fields.get(c);
    return v === undefined || v === '' ? undefined : v;
  };
  const protocol = get('protocol');
  const port = get('port');
  const tls = get('tls');
  const xmppDomain = get('xmpp-domain');
  return {
    line,
    host,
    ...(protocol !== undefined ? { protocol } : {}),
    ...(port !== undefined ? { port } : {}),
    ...(tls !== undefined ? { tls } : {}),
    ...(xmppDomain !== undefined ? { xmppDomain } : {}),
  };
}

/** Counts rows and throws past the cap. */
function capRows(count: number): void {
  if (count > MAX_INPUT_ROWS)
    throw new RowError(`more than ${MAX_INPUT_ROWS} rows: split the list into smaller ones`);
}

/**
 * CSV records (RFC 4180: quoted fields with "" for a quote, commas and line breaks inside
 * quotes; LF or CRLF) with the physical line each starts on. A leading BOM is dropped.
 */
export async function* csvRecords(
  chunks: AsyncIterable<string> | Iterable<string>,
): AsyncGenerator<{ line: number; fields: string[] }> {
  let fields: string[] = [];
  let field = '';
  let quoted = false; // inside a quoted field
  let afterQuote = false; // a quote inside a quoted field: "" or the field's end
  let wasQuoted = false; // the current field was quoted (only blanks may follow its end)
  let line = 1;
  let startLine = 1;
  let recordChars = 0;
  let first = true;
  let pendingCr = false;
  const endField = (): void => {
    fields.push(wasQuoted ? field : field.trim());
    field = '';
    wasQuoted = false;
  };
  for await (const chunk of chunks) {
    let text = chunk;
    if (first && text.length > 0) {
      first = false;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    for (const ch of text) {
      if (pendingCr) {
        pendingCr = false;
        if (ch === '\n') continue; // the LF of a CRLF: the CR already ended the record
      }
      if (++recordChars > MAX_RECORD_CHARS)
        throw new RowError(
          `line ${startLine}: a record longer than ${MAX_RECORD_CHARS} characters`,
        );
      if (afterQuote) {
        afterQuote = false;
        if (ch === '"') {
          field += '"';
          quoted = true;
          continue;
        }
        // The quoted field ended; this character is read as outside quotes.
      } else if (quoted) {
        if (ch === '"') {
          quoted = false;
          afterQuote = true;
        } else {
          if (ch === '\n') line++;
          field += ch;
        }
        continue;
      }
      if (ch === ',') {
        endField();
      } else if (ch === '\n' || ch === '\r') {
        if (ch === '\r') pendingCr = true;
        endField();
        const record = fields;
        fields = [];
        const at = startLine;
        line++;
        startLine = line;
        recordChars = 0;
        if (!(record.length === 1 && record[0] === '')) yield { line: at, fields: record };
      } else if (ch === '"' && !wasQuoted && field.trim() === '') {
        field = '';
        quoted = true;
        wasQuoted = true;
      } else if (wasQuoted) {
        if (ch !== ' ' && ch !== '\t')
          throw new RowError(`line ${line}: text after a closing quote`);
      } else if (ch === '"') {
        throw new RowError(
          `line ${line}: a quote inside an unquoted field (quote the whole field)`,
        );
      } else {
        field += ch;
      }
    }
  }
  if (quoted) throw new RowError(`line ${startLine}: a quoted field is not closed`);
  if (field !== '' || wasQuoted || fields.length > 0) {
    endField();
    if (!(fields.length === 1 && fields[0] === '')) yield { line: startLine, fields };
  }
}

/** CSV with a header line naming the columns (host required; any order; unknown names refused). */
export async function* csvRows(
  chunks: AsyncIterable<string> | Iterable<string>,
): AsyncGenerator<InputRow> {
  let header: (Column | null)[] | null = null;
  let count = 0;
  for await (const { line, fields } of csvRecords(chunks)) {
    if (header === null) {
      header = fields.map(columnOf);
      const unknown = fields.filter((_f, i) => header?.[i] === null);
      if (unknown.length > 0) {
        throw new RowError(
          `line ${line}: unknown column '${unknown[0] ?? ''}' (the header names columns: ${INPUT_COLUMNS.join(', ')})`,
        );
      }
      if (!header.includes('host'))
        throw new RowError(`line ${line}: the header line has no 'host' column`);
      const seen = new Set<Column>();
      for (const c of header) {
        if (c !== null && seen.has(c)) throw new RowError(`line ${line}: column '${c}' twice`);
        if (c !== null) seen.add(c);
      }
      continue;
    }
    if (fields.every((f) => f === '')) continue; // a line of empty fields (",,,") is blank too
    if (fields.length > header.length) {
      throw new RowError(
        `line ${line}: ${fields.length} fields, but the header has ${header.length} columns`,
      );
    }
    const map = new Map<Column, string>();
    header.forEach((c, i) => {
      if (c !== null) map.set(c, fields[i] ?? '');
    });
    capRows(++count);
    yield rowFrom(line, map);
  }
  if (header === null) throw new RowError('the input is empty: it needs a header line');
}

/** One JSON object as a row; unknown keys are refused (a misspelt "protocl" must not be ignored). */
function jsonRow(value: unknown, where: string, line: number): InputRow {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new RowError(`${where}: expected an object like {"host": "mail.example.org"}`);
  const map = new Map<Column, string>();
  for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
    const c = columnOf(key);
    if (c === null)
      throw new RowError(`${where}: unknown key '${key}' (known: ${INPUT_COLUMNS.join(', ')})`);
    if (v === null || v === undefined) continue;
    if (c === 'port' && typeof v === 'number') map.set(c, String(v));
    else if (typeof v === 'string') map.set(c, v.trim());
    else throw new RowError(`${where}: '${key}' must be a string`);
  }
  try {
    return rowFrom(line, map);
  } catch (err) {
    throw new RowError(`${where}: ${(err as Error).message.replace(/^line \d+: /, '')}`);
  }
}

/** Lines of text with their numbers, from chunks; a line over the cap is an error. */
async function* textLines(
  chunks: AsyncIterable<string> | Iterable<string>,
): AsyncGenerator<{ line: number; text: string }> {
  let rest = '';
  let line = 1;
  let first = true;
  for await (let chunk of chunks) {
    if (first && chunk.length > 0) {
      first = false;
      if (chunk.charCodeAt(0) === 0xfeff) chunk = chunk.slice(1);
    }
    rest += chunk;
    let nl: number;
    while ((nl = rest.indexOf('\n')) >= 0) {
      yield { line: line++, text: rest.slice(0, nl).replace(/\r$/, '') };
      rest = rest.slice(nl + 1);
    }
    if (rest.length > MAX_RECORD_CHARS)
      throw new RowError(`line ${line}: a line longer than ${MAX_RECORD_CHARS} characters`);
  }
  if (rest !== '') yield { line, text: rest.replace(/\r$/, '') };
}

/**
 * JSON input: an array of objects (the whole input parsed at once, within MAX_INPUT_BYTES) when
 * it starts with '[', else JSON lines (one object per line, blank lines skipped).
 */
export async function* jsonRows(
  chunks: AsyncIterable<string> | Iterable<string>,
): AsyncGenerator<InputRow> {
  let count = 0;
  let mode: 'unknown' | 'array' | 'lines' = 'unknown';
  let whole = '';
  const buffered: string[] = [];
  // Peek at the first non-blank character to choose the mode, without reading everything.
  const iterator = (async function* () {
    yield* chunks;
  })();
  for (;;) {
    const next = await iterator.next();
    if (next.done === true) break;
    buffered.push(next.value);
    const start = buffered
      .join('')
      .replace(/^\uFEFF/, '')
      .trimStart();
    if (start !== '') {
      mode = start.startsWith('[') ? 'array' : 'lines';
      break;
    }
  }
  const replay = (async function* () {
    yield* buffered;
    for (;;) {
      const next = await iterator.next();
      if (next.done === true) return;
      yield next.value;
    }
  })();
  if (mode === 'unknown') throw new RowError('the input is empty');
  if (mode === 'array') {
    for await (const chunk of replay) whole += chunk;
    let value: unknown;
    try {
      value = JSON.parse(whole.replace(/^\uFEFF/, ''));
    } catch (err) {
      throw new RowError(`not valid JSON: ${(err as Error).message}`);
    }
    if (!Array.isArray(value)) throw new RowError('expected a JSON array of objects');
    whole = '';
    for (let i = 0; i < value.length; i++) {
      capRows(++count);
      yield jsonRow(value[i], `entry ${i + 1} of the array`, i + 1);
    }
    return;
  }
  for await (const { line, text } of textLines(replay)) {
    if (text.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (err) {
      throw new RowError(`line ${line}: not valid JSON (${(err as Error).message})`);
    }
    capRows(++count);
    yield jsonRow(value, `line ${line}`, line);
  }
}

export function rowsOf(
  format: InputFormat,
  chunks: AsyncIterable<string> | Iterable<string>,
): AsyncGenerator<InputRow> {
  return format === 'csv' ? csvRows(chunks) : jsonRows(chunks);
}

/** The format named by a file's extension, or null. */
export function formatOfFile(file: string): InputFormat | null {
  const lower = file.toLowerCase();
  if (lower.endsWith('.csv')) return 'csv';
  if (lower.endsWith('.json') || lower.endsWith('.jsonl') || lower.endsWith('.ndjson'))
    return 'json';
  return null;
}

/** A file's text in chunks, failing past MAX_INPUT_BYTES. */
export async function* fileChunks(file: string): AsyncGenerator<string> {
  const size = (await stat(file)).size;
  if (size > MAX_INPUT_BYTES)
    throw new RowError(`larger than ${MAX_INPUT_BYTES / 1024 / 1024} MiB: split it`);
  yield* decodeCapped(createReadStream(file, { highWaterMark: 64 * 1024 }));
}

/** UTF-8 text of a byte stream, failing past MAX_INPUT_BYTES (a file that grows, stdin). */
export async function* decodeCapped(
  stream: AsyncIterable<Buffer | string> | Iterable<Buffer | string>,
): AsyncGenerator<string> {
  const decoder = new StringDecoder('utf8');
  let bytes = 0;
  for await (const chunk of stream) {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    bytes += buf.length;
    if (bytes > MAX_INPUT_BYTES)
      throw new RowError(`larger than ${MAX_INPUT_BYTES / 1024 / 1024} MiB: split it`);
    const text = decoder.write(buf);
    if (text !== '') yield text;
  }
  const tail = decoder.end();
  if (tail !== '') yield tail;
}

/** Where a row's targets come from and how they are made (check.ts's targetsOf). */
export type RowTargets = (row: InputRow) => EndpointTarget[];
