import { SANCTIONS_FILE_MALFORMED, SanctionsImportError } from './sanctions.errors';

/** One CSV record and the 1-based line it starts on. */
export type CsvRecord = { line: number; fields: string[] };

const utf8 = new TextDecoder('utf-8', { fatal: true });
const windows1252 = new TextDecoder('windows-1252');

/**
 * Bytes to text. The shared snapshot is plain ASCII; bytes that are not valid UTF-8 are read as
 * Windows-1252, the usual encoding of legacy Windows-made CSV files, rather than rejected.
 */
export function decodeListFile(input: string | Uint8Array): string {
  let text: string;
  if (typeof input === 'string') text = input;
  else {
    try {
      text = utf8.decode(input);
    } catch {
      text = windows1252.decode(input);
    }
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  // The files end with a DOS end-of-file mark (\x1a) and sometimes stray whitespace.
  let end = text.length;
  while (end > 0 && text.charCodeAt(end - 1) <= 32) end--;
  return text.slice(0, end);
}

/**
 * Splits CSV text into records (RFC 4180 quoting, "" escapes, quoted line breaks). Unquoted
 * fields are trimmed, because OFAC pads its `-0- ` null marker with a space. Blank lines are
 * skipped. An unterminated quote, a stray quote inside an unquoted field or text after a closing
 * quote throw a SanctionsImportError naming the file and line.
 */
export function readCsvRecords(text: string, file: string): CsvRecord[] {
  // Scans with indexOf rather than character by character: the SDN file is 1.5 MB, and this
  // keeps splitting it in the tens of milliseconds.
  const records: CsvRecord[] = [];
  const n = text.length;
  let i = 0;
  let line = 1;
  let lineEnd = -1;
  while (i < n) {
    const start = line;
    const fields: string[] = [];
    for (;;) {
      if (text[i] === '"') {
        const quoteLine = line;
        let value = '';
        let from = i + 1;
        for (;;) {
          const close = text.indexOf('"', from);
          if (close < 0) malformed(file, quoteLine, 'unterminated quoted field');
          line += countLineBreaks(text, from, close);
          value += text.slice(from, close);
          if (text[close + 1] === '"') {
            value += '"';
            from = close + 2;
            continue;
          }
          i = close + 1;
          break;
        }
        while (text[i] === ' ' || text[i] === '\t') i++;
        if (i < n && text[i] !== ',' && text[i] !== '\r' && text[i] !== '\n') {
          malformed(file, line, 'unexpected text after a closing quote');
        }
        fields.push(value.trim());
      } else {
        if (lineEnd < i) {
          lineEnd = text.indexOf('\n', i);
          if (lineEnd < 0) lineEnd = n;
        }
        let end = text.indexOf(',', i);
        if (end < 0 || end > lineEnd) end = lineEnd;
        const value = text.slice(i, end);
        if (value.includes('"')) malformed(file, line, 'quote inside an unquoted field');
        fields.push(value.trim());
        i = end;
      }
      if (i >= n) break;
      if (text[i] === ',') {
        i++;
        continue;
      }
      if (text[i] === '\r') i++;
      if (text[i] === '\n') i++;
      line++;
      break;
    }
    const blank = fields.length === 1 && fields[0] === '';
    if (!blank) records.push({ line: start, fields });
  }
  return records;
}

function countLineBreaks(text: string, from: number, to: number): number {
  let count = 0;
  for (let at = text.indexOf('\n', from); at >= 0 && at < to; at = text.indexOf('\n', at + 1)) count++;
  return count;
}

function malformed(file: string, line: number, reason: string): never {
  throw new SanctionsImportError(SANCTIONS_FILE_MALFORMED, file, line, reason);
}

/**
 * OFAC writes an absent value as `-0-`. The shared snapshot's last add.csv record ends in a bare
 * `-0` (the marker cut at the end of the file), which must not become data either.
 */
export function nullable(value: string): string | null {
  return value === '' || value === '-0-' || value === '-0' ? null : value;
}
