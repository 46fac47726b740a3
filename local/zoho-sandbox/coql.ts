/**
 * A small COQL (reference §1.7): `select A, B from Module where … order by … limit [offset,] n`.
 * Pure: parsing and record matching only; the server checks names against the org's metadata and
 * runs the query. What Zoho refuses, this refuses with Zoho's codes (SYNTAX_ERROR, LIMIT_EXCEEDED);
 * aggregates, GROUP BY, aliases and polymorphic `->` joins are not supported and read as syntax errors.
 */

export const COQL_MAX_FIELDS = 50;
export const COQL_DEFAULT_LIMIT = 200;
export const COQL_MAX_LIMIT = 2000;
/** How far LIMIT/OFFSET can reach in one query (v7+: 100,000 records). */
export const COQL_MAX_REACH = 100_000;

export type CoqlValue = string | number | boolean | null;
export type CoqlComparator = '=' | '!=' | '>' | '>=' | '<' | '<=';

export type CoqlCondition =
  | { kind: 'compare'; field: string; op: CoqlComparator; value: CoqlValue }
  | { kind: 'like'; field: string; pattern: string; negated: boolean }
  | { kind: 'in'; field: string; values: CoqlValue[]; negated: boolean }
  | { kind: 'null'; field: string; negated: boolean }
  | { kind: 'between'; field: string; low: CoqlValue; high: CoqlValue; negated: boolean }
  | { kind: 'and' | 'or'; items: CoqlCondition[] };

export interface CoqlQuery {
  fields: string[];
  module: string;
  where: CoqlCondition;
  orderBy: { field: string; direction: 'asc' | 'desc' }[];
  offset: number;
  limit: number;
}

export type CoqlErrorCode = 'SYNTAX_ERROR' | 'INVALID_QUERY' | 'LIMIT_EXCEEDED';

/** A query Zoho would refuse; `code`, `message` and `details` are what it answers with. */
export class CoqlError extends Error {
  readonly code: CoqlErrorCode;
  readonly details: Record<string, unknown>;

  constructor(code: CoqlErrorCode, message: string, details: Record<string, unknown>) {
    super(message);
    this.name = 'CoqlError';
    this.code = code;
    this.details = details;
  }
}

type TokenKind = 'word' | 'string' | 'number' | 'symbol' | 'end';
interface Token {
  kind: TokenKind;
  text: string;
  /** The value of a string or number literal. */
  value?: string | number;
  offset: number;
}

const SYMBOLS = ['!=', '<>', '>=', '<=', '=', '>', '<', '(', ')', ','];

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const char = text[i]!;
    if (/\s/.test(char)) {
      i += 1;
      continue;
    }
    const start = i;
    if (char === "'") {
      let value = '';
      i += 1;
      for (;;) {
        if (i >= text.length) throw syntaxError(text, start, 'unterminated string');
        const c = text[i]!;
        // Both \' and '' put a quote inside a string.
        if (c === '\\' && i + 1 < text.length) {
          value += text[i + 1];
          i += 2;
        } else if (c === "'" && text[i + 1] === "'") {
          value += "'";
          i += 2;
        } else if (c === "'") {
          i += 1;
          break;
        } else {
          value += c;
          i += 1;
        }
      }
      tokens.push({ kind: 'string', text: text.slice(start, i), value, offset: start });
      continue;
    }
    const number = /^-?\d+(\.\d+)?/.exec(text.slice(i));
    if (number && (char !== '-' || /^-\d/.test(text.slice(i)))) {
      i += number[0].length;
      tokens.push({ kind: 'number', text: number[0], value: Number(number[0]), offset: start });
      continue;
    }
    const word = /^[A-Za-z_$][A-Za-z0-9_$.]*/.exec(text.slice(i));
    if (word) {
      i += word[0].length;
      tokens.push({ kind: 'word', text: word[0], offset: start });
      continue;
    }
    const symbol = SYMBOLS.find((candidate) => text.startsWith(candidate, i));
    if (!symbol) throw syntaxError(text, i, char);
    i += symbol.length;
    tokens.push({ kind: 'symbol', text: symbol === '<>' ? '!=' : symbol, offset: start });
  }
  tokens.push({ kind: 'end', text: '', offset: text.length });
  return tokens;
}

/** SYNTAX_ERROR with Zoho's `{line, column, near}` details (1-based). */
function syntaxError(text: string, offset: number, near: string): CoqlError {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  const column = offset - before.lastIndexOf('\n');
  return new CoqlError('SYNTAX_ERROR', `error at line ${line} column ${column} near ${near || 'end of query'}`, {
    line,
    column,
    near: near || null,
  });
}

const RESERVED = new Set([
  'select',
  'from',
  'where',
  'and',
  'or',
  'not',
  'like',
  'in',
  'is',
  'null',
  'between',
  'order',
  'by',
  'asc',
  'desc',
  'limit',
  'offset',
]);

/** Parses a select query; throws CoqlError on anything COQL would refuse or this does not support. */
export function parseCoql(text: string): CoqlQuery {
  return new Parser(text).query();
}

class Parser {
  readonly text: string;
  readonly tokens: Token[];
  at = 0;

  constructor(text: string) {
    this.text = text;
    this.tokens = tokenize(text);
  }

  get token(): Token {
    return this.tokens[this.at]!;
  }

  isWord(word: string): boolean {
    return this.token.kind === 'word' && this.token.text.toLowerCase() === word;
  }

  isSymbol(symbol: string): boolean {
    return this.token.kind === 'symbol' && this.token.text === symbol;
  }

  fail(): never {
    throw syntaxError(this.text, this.token.offset, this.token.text);
  }

  next(): Token {
    const token = this.token;
    if (token.kind !== 'end') this.at += 1;
    return token;
  }

  word(word: string): void {
    if (!this.isWord(word)) this.fail();
    this.next();
  }

  symbol(symbol: string): void {
    if (!this.isSymbol(symbol)) this.fail();
    this.next();
  }

  /** A field's API name: a word that is not a keyword. */
  name(): string {
    if (this.token.kind !== 'word' || RESERVED.has(this.token.text.toLowerCase())) this.fail();
    return this.next().text;
  }

  query(): CoqlQuery {
    this.word('select');
    const fields = [this.name()];
    while (this.isSymbol(',')) {
      this.next();
      fields.push(this.name());
    }
    if (fields.length > COQL_MAX_FIELDS) {
      throw new CoqlError('LIMIT_EXCEEDED', `at most ${COQL_MAX_FIELDS} fields can be selected`, {
        clause: 'select',
        limit: COQL_MAX_FIELDS,
      });
    }
    this.word('from');
    const module = this.name();
    if (!this.isWord('where')) {
      if (this.token.kind === 'end' || this.isWord('order') || this.isWord('limit')) {
        throw new CoqlError('SYNTAX_ERROR', 'select query does not contain the where clause', { clause: 'where' });
      }
      this.fail();
    }
    this.next();
    const where = this.disjunction();
    const orderBy: CoqlQuery['orderBy'] = [];
    if (this.isWord('order')) {
      this.next();
      this.word('by');
      do {
        if (orderBy.length > 0) this.next();
        const field = this.name();
        let direction: 'asc' | 'desc' = 'asc';
        if (this.isWord('asc') || this.isWord('desc')) direction = this.next().text.toLowerCase() as 'asc' | 'desc';
        orderBy.push({ field, direction });
      } while (this.isSymbol(','));
    }
    let offset = 0;
    let limit = COQL_DEFAULT_LIMIT;
    if (this.isWord('limit')) {
      this.next();
      const first = this.count();
      if (this.isSymbol(',')) {
        this.next();
        offset = first;
        limit = this.count();
      } else {
        limit = first;
        if (this.isWord('offset')) {
          this.next();
          offset = this.count();
        }
      }
    }
    if (this.token.kind !== 'end') this.fail();
    if (limit > COQL_MAX_LIMIT) {
      throw new CoqlError('LIMIT_EXCEEDED', 'Max records limit exceeded', { clause: 'limit', limit: COQL_MAX_LIMIT });
    }
    if (offset + limit > COQL_MAX_REACH) {
      throw new CoqlError('LIMIT_EXCEEDED', 'Max records limit exceeded', { clause: 'offset', limit: COQL_MAX_REACH });
    }
    return { fields, module, where, orderBy, offset, limit };
  }

  count(): number {
    const token = this.token;
    if (token.kind !== 'number' || !Number.isInteger(token.value) || (token.value as number) < 0) this.fail();
    this.next();
    return token.value as number;
  }

  disjunction(): CoqlCondition {
    const items = [this.conjunction()];
    while (this.isWord('or')) {
      this.next();
      items.push(this.conjunction());
    }
    return items.length === 1 ? items[0]! : { kind: 'or', items };
  }

  conjunction(): CoqlCondition {
    const items = [this.factor()];
    while (this.isWord('and')) {
      this.next();
      items.push(this.factor());
    }
    return items.length === 1 ? items[0]! : { kind: 'and', items };
  }

  factor(): CoqlCondition {
    if (this.isSymbol('(')) {
      this.next();
      const inner = this.disjunction();
      this.symbol(')');
      return inner;
    }
    return this.condition();
  }

  condition(): CoqlCondition {
    const field = this.name();
    if (this.isWord('is')) {
      this.next();
      const negated = this.isWord('not');
      if (negated) this.next();
      this.word('null');
      return { kind: 'null', field, negated };
    }
    const negated = this.isWord('not');
    if (negated) this.next();
    if (this.isWord('like')) {
      this.next();
      if (this.token.kind !== 'string') this.fail();
      return { kind: 'like', field, pattern: String(this.next().value), negated };
    }
    if (this.isWord('in')) {
      this.next();
      this.symbol('(');
      const values = [this.value()];
      while (this.isSymbol(',')) {
        this.next();
        values.push(this.value());
      }
      this.symbol(')');
      if (values.length > 100) {
        throw new CoqlError('LIMIT_EXCEEDED', 'in takes at most 100 values', { clause: 'where', limit: 100 });
      }
      return { kind: 'in', field, values, negated };
    }
    if (this.isWord('between')) {
      this.next();
      const low = this.value();
      this.word('and');
      const high = this.value();
      return { kind: 'between', field, low, high, negated };
    }
    if (negated) this.fail();
    const op = this.token;
    if (op.kind !== 'symbol' || !['=', '!=', '>', '>=', '<', '<='].includes(op.text)) this.fail();
    this.next();
    return { kind: 'compare', field, op: op.text as CoqlComparator, value: this.value() };
  }

  value(): CoqlValue {
    const token = this.token;
    if (token.kind === 'string' || token.kind === 'number') {
      this.next();
      return token.value as string | number;
    }
    if (this.isWord('true') || this.isWord('false')) return this.next().text.toLowerCase() === 'true';
    if (this.isWord('null')) {
      this.next();
      return null;
    }
    this.fail();
  }
}

/** Every field a query names (select, where, order by), for checking them against metadata. */
export function coqlFields(query: CoqlQuery): string[] {
  const names = new Set(query.fields);
  const visit = (condition: CoqlCondition) => {
    if ('items' in condition) condition.items.forEach(visit);
    else names.add(condition.field);
  };
  visit(query.where);
  for (const { field } of query.orderBy) names.add(field);
  return [...names];
}

/**
 * Whether a record satisfies a condition, given how to read a (possibly dotted) field. Text compares
 * case-insensitively; a lookup compares by its id; date-like text compares as instants.
 */
export function matchesCoql(read: (field: string) => unknown, condition: CoqlCondition): boolean {
  switch (condition.kind) {
    case 'and':
      return condition.items.every((item) => matchesCoql(read, item));
    case 'or':
      return condition.items.some((item) => matchesCoql(read, item));
    case 'null': {
      const empty = isEmpty(read(condition.field));
      return condition.negated ? !empty : empty;
    }
    case 'like': {
      const value = scalar(read(condition.field));
      if (value === null) return false;
      const regex = new RegExp(
        `^${condition.pattern
          .split('%')
          .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
          .join('.*')}$`,
        'is',
      );
      return regex.test(String(value)) !== condition.negated;
    }
    case 'in': {
      const value = scalar(read(condition.field));
      if (value === null) return false;
      return condition.values.some((expected) => compareValues(value, expected) === 0) !== condition.negated;
    }
    case 'between': {
      const value = scalar(read(condition.field));
      if (value === null) return false;
      const low = compareValues(value, condition.low);
      const high = compareValues(value, condition.high);
      const inside = low !== undefined && high !== undefined && low >= 0 && high <= 0;
      return inside !== condition.negated;
    }
    case 'compare': {
      const value = scalar(read(condition.field));
      if (condition.value === null) {
        // `= null` / `!= null` read as is null / is not null.
        return condition.op === '=' ? value === null : condition.op === '!=' ? value !== null : false;
      }
      // As in SQL, an empty field satisfies no comparison with a value, not even !=.
      if (value === null) return false;
      const difference = compareValues(value, condition.value);
      if (difference === undefined) return condition.op === '!=';
      switch (condition.op) {
        case '=':
          return difference === 0;
        case '!=':
          return difference !== 0;
        case '>':
          return difference > 0;
        case '>=':
          return difference >= 0;
        case '<':
          return difference < 0;
        case '<=':
          return difference <= 0;
      }
    }
  }
}

function isEmpty(value: unknown): boolean {
  return value === undefined || value === null || value === '' || (Array.isArray(value) && value.length === 0);
}

/** A lookup stands for its id in comparisons. */
function scalar(value: unknown): string | number | boolean | null {
  if (typeof value === 'string') return value === '' ? null : value;
  if (typeof value === 'number' || typeof value === 'boolean') return value;
  if (value && typeof value === 'object' && 'id' in value && typeof value.id === 'string') return value.id;
  return null;
}

const DATE_LIKE = /^\d{4}-\d{2}-\d{2}/;

/** Negative, zero or positive like a comparator; undefined when the two cannot be compared. */
export function compareValues(value: CoqlValue, expected: CoqlValue): number | undefined {
  if (value === null || expected === null) return undefined;
  if (typeof value === 'number' || typeof expected === 'number') {
    const a = Number(value);
    const b = Number(expected);
    return Number.isNaN(a) || Number.isNaN(b) ? undefined : a - b;
  }
  if (typeof value === 'boolean' || typeof expected === 'boolean') {
    return String(value).toLowerCase() === String(expected).toLowerCase() ? 0 : 1;
  }
  if (DATE_LIKE.test(value) && DATE_LIKE.test(expected)) {
    const a = Date.parse(value);
    const b = Date.parse(expected);
    if (!Number.isNaN(a) && !Number.isNaN(b)) return a - b;
  }
  const a = value.toLowerCase();
  const b = expected.toLowerCase();
  return a < b ? -1 : a > b ? 1 : 0;
}
