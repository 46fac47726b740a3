import { describe, expect, it } from 'vitest';
import { CsvSyntaxError, csvField, formatCsv, parseCsv } from '../../../shared/adapters/zoho/csv.ts';

describe('reading RFC 4180 CSV', () => {
  it('splits records on CRLF and fields on commas', () => {
    expect(parseCsv('id,Name\r\n1,Acme\r\n2,Brightline\r\n')).toEqual([
      ['id', 'Name'],
      ['1', 'Acme'],
      ['2', 'Brightline'],
    ]);
  });

  it('takes a lone LF as a line end too, and needs no line break after the last record', () => {
    expect(parseCsv('a,b\n1,2')).toEqual([
      ['a', 'b'],
      ['1', '2'],
    ]);
  });

  it.each([
    ['a comma', '"Acme, Inc."', 'Acme, Inc.'],
    ['a doubled quote', '"the ""big"" one"', 'the "big" one'],
    ['a CRLF', '"line one\r\nline two"', 'line one\r\nline two'],
    ['an LF', '"line one\nline two"', 'line one\nline two'],
    ['nothing', '""', ''],
  ])('keeps %s inside a quoted field', (_what, field, value) => {
    expect(parseCsv(`id,Description\r\n7,${field}\r\n8,next\r\n`)).toEqual([
      ['id', 'Description'],
      ['7', value],
      ['8', 'next'],
    ]);
  });

  it('keeps empty fields, at the start, in the middle and at the end', () => {
    expect(parseCsv(',x,,\r\n')).toEqual([['', 'x', '', '']]);
  });

  it('reads an empty line inside the file as one empty field', () => {
    expect(parseCsv('a\r\n\r\nb\r\n')).toEqual([['a'], [''], ['b']]);
  });

  it('drops a byte-order mark before the first column name', () => {
    expect(parseCsv('\uFEFFid,Name\r\n')).toEqual([['id', 'Name']]);
  });

  it('reads an empty file as no records', () => {
    expect(parseCsv('')).toEqual([]);
  });

  it.each([
    ['an unterminated quote', 'id,Name\r\n1,"Acme\r\n', 2],
    ['text after a closing quote', 'id,Name\r\n1,"Acme"x\r\n', 2],
    ['a quote inside an unquoted field', 'id,Name\r\n1,Ac"me\r\n', 2],
  ])('refuses %s, naming the line', (_what, text, line) => {
    expect(() => parseCsv(text)).toThrow(CsvSyntaxError);
    expect(() => parseCsv(text)).toThrow(`CSV line ${line}`);
  });

  it('counts lines inside quoted fields when naming a broken line', () => {
    expect(() => parseCsv('a\r\n"two\r\nlines"\r\n"broken\r\n')).toThrow('CSV line 4');
  });
});

describe('writing RFC 4180 CSV', () => {
  it('quotes only the fields that need it', () => {
    expect(['plain', 'a,b', 'say "hi"', 'two\nlines', ''].map(csvField)).toEqual([
      'plain',
      '"a,b"',
      '"say ""hi"""',
      '"two\nlines"',
      '',
    ]);
  });

  it('ends every record with CRLF', () => {
    expect(
      formatCsv([
        ['id', 'Name'],
        ['1', 'Acme'],
      ]),
    ).toBe('id,Name\r\n1,Acme\r\n');
  });

  it('reads back exactly what it wrote', () => {
    const rows = [
      ['id', 'Description', 'Amount'],
      ['1', 'Renewal, "premium" tier\r\nsecond line', '42000'],
      ['2', '', ''],
      ['3', '\n', ','],
    ];
    expect(parseCsv(formatCsv(rows))).toEqual(rows);
  });
});
