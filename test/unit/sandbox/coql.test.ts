import { describe, expect, it } from 'vitest';
import { type CoqlCondition, CoqlError, coqlFields, matchesCoql, parseCoql } from '../../../local/zoho-sandbox/coql.ts';

function refusal(text: string): CoqlError {
  try {
    parseCoql(text);
  } catch (error) {
    if (error instanceof CoqlError) return error;
    throw error;
  }
  throw new Error(`expected ${text} to be refused`);
}

function where(condition: string): CoqlCondition {
  return parseCoql(`select id from Accounts where ${condition}`).where;
}

const record = {
  id: '1',
  Account_Name: 'Acme Analytics Inc.',
  Annual_Revenue: 1_200_000,
  Rating: null,
  Modified_Time: '2026-11-18T16:20:00+00:00',
  Owner: { id: '42', name: 'Tom Becker' },
};
const matches = (condition: string) =>
  matchesCoql((field) => (record as Record<string, unknown>)[field], where(condition));

describe('parsing COQL', () => {
  it('reads the select list, module, where, order by and limit offset, count', () => {
    expect(
      parseCoql(
        "SELECT Account_Name, Industry FROM Accounts WHERE Modified_Time > '2026-01-01T00:00:00+00:00' ORDER BY Modified_Time desc, id LIMIT 10, 50",
      ),
    ).toEqual({
      fields: ['Account_Name', 'Industry'],
      module: 'Accounts',
      where: { kind: 'compare', field: 'Modified_Time', op: '>', value: '2026-01-01T00:00:00+00:00' },
      orderBy: [
        { field: 'Modified_Time', direction: 'desc' },
        { field: 'id', direction: 'asc' },
      ],
      offset: 10,
      limit: 50,
    });
  });

  it('defaults to the first 200 records and takes LIMIT n OFFSET m too', () => {
    expect(parseCoql('select id from Deals where Amount > 0')).toMatchObject({ offset: 0, limit: 200 });
    expect(parseCoql('select id from Deals where Amount > 0 limit 5 offset 20')).toMatchObject({
      offset: 20,
      limit: 5,
    });
  });

  it('binds and tighter than or, and honours parentheses', () => {
    expect(where("A = 'a' or B = 'b' and C = 'c'")).toEqual({
      kind: 'or',
      items: [
        { kind: 'compare', field: 'A', op: '=', value: 'a' },
        {
          kind: 'and',
          items: [
            { kind: 'compare', field: 'B', op: '=', value: 'b' },
            { kind: 'compare', field: 'C', op: '=', value: 'c' },
          ],
        },
      ],
    });
    expect(where("(A = 'a' or B = 'b') and C = 'c'")).toMatchObject({ kind: 'and', items: [{ kind: 'or' }, {}] });
  });

  it('reads like, in, not in, is null, is not null and between', () => {
    expect(where("Name like 'Ac%'")).toEqual({ kind: 'like', field: 'Name', pattern: 'Ac%', negated: false });
    expect(where("Stage not in ('Closed Won', 'Closed Lost')")).toEqual({
      kind: 'in',
      field: 'Stage',
      values: ['Closed Won', 'Closed Lost'],
      negated: true,
    });
    expect(where('Rating is not null')).toEqual({ kind: 'null', field: 'Rating', negated: true });
    expect(where('Amount between 10 and 20 and Stage is null')).toEqual({
      kind: 'and',
      items: [
        { kind: 'between', field: 'Amount', low: 10, high: 20, negated: false },
        { kind: 'null', field: 'Stage', negated: false },
      ],
    });
  });

  it('keeps quotes escaped inside strings', () => {
    expect(where("Account_Name = 'O''Brien \\'s'")).toMatchObject({ value: "O'Brien 's" });
  });

  it('lists every field a query names', () => {
    const query = parseCoql("select Deal_Name from Deals where Account_Name.Account_Name like '%a%' order by Amount");
    expect(coqlFields(query)).toEqual(['Deal_Name', 'Account_Name.Account_Name', 'Amount']);
  });
});

describe('refusing COQL', () => {
  it('wants a where clause', () => {
    const error = refusal('select Account_Name from Accounts limit 10');
    expect(error.code).toBe('SYNTAX_ERROR');
    expect(error.details).toEqual({ clause: 'where' });
  });

  it('names the line, column and text near a syntax error', () => {
    const error = refusal("select Account_Name from Accounts where Account_Name == 'x'");
    expect(error.code).toBe('SYNTAX_ERROR');
    expect(error.details).toEqual({ line: 1, column: 55, near: '=' });
  });

  it('refuses a limit over 2000 and a reach past 100,000 with LIMIT_EXCEEDED', () => {
    expect(refusal('select id from Accounts where id is not null limit 2001').code).toBe('LIMIT_EXCEEDED');
    expect(refusal('select id from Accounts where id is not null limit 99000, 2000').code).toBe('LIMIT_EXCEEDED');
  });

  it('refuses more than 50 selected fields', () => {
    const fields = Array.from({ length: 51 }, (_, i) => `F${i}`).join(', ');
    expect(refusal(`select ${fields} from Accounts where id is not null`)).toMatchObject({
      code: 'LIMIT_EXCEEDED',
      details: { clause: 'select', limit: 50 },
    });
  });

  it('refuses select *, aggregates and unterminated strings as syntax errors', () => {
    expect(refusal('select * from Accounts where id is not null').code).toBe('SYNTAX_ERROR');
    expect(refusal('select COUNT(id) from Accounts where id is not null').code).toBe('SYNTAX_ERROR');
    expect(refusal("select id from Accounts where Account_Name = 'oops").code).toBe('SYNTAX_ERROR');
  });
});

describe('matching records', () => {
  it('compares text ignoring case, numbers as numbers and datetimes as instants', () => {
    expect(matches("Account_Name = 'acme analytics inc.'")).toBe(true);
    expect(matches('Annual_Revenue >= 1200000')).toBe(true);
    expect(matches('Annual_Revenue < 1000')).toBe(false);
    expect(matches("Modified_Time > '2026-11-18T10:00:00-05:00'")).toBe(true);
    expect(matches("Modified_Time between '2026-11-01T00:00:00+00:00' and '2026-11-30T00:00:00+00:00'")).toBe(true);
  });

  it('matches like patterns with % on either side', () => {
    expect(matches("Account_Name like 'acme%'")).toBe(true);
    expect(matches("Account_Name like '%Analytics%'")).toBe(true);
    expect(matches("Account_Name like '%Health'")).toBe(false);
    expect(matches("Account_Name not like '%Health'")).toBe(true);
  });

  it('treats a missing or null field as null, and a lookup as its id', () => {
    expect(matches('Rating is null')).toBe(true);
    expect(matches('Industry is null')).toBe(true);
    expect(matches("Rating = 'Active'")).toBe(false);
    expect(matches("Rating != 'Active'")).toBe(false);
    expect(matches("Owner = '42'")).toBe(true);
    expect(matches("Owner in ('7', '42')")).toBe(true);
    expect(matches("Owner not in ('7', '42')")).toBe(false);
  });

  it('combines conditions with and/or', () => {
    expect(matches("Rating is null and (Owner = '7' or Annual_Revenue > 5)")).toBe(true);
    expect(matches("Rating is not null or Owner = '7'")).toBe(false);
  });
});
