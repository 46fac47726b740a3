/**
 * Zoho's search criteria language (`GET /{module}/search?criteria=…`): conditions
 * `(Field:operator:value)` joined by `and`/`or` inside parentheses, with `\(`, `\)` and `\,` escaping
 * those characters in values.
 */

export const SEARCH_OPERATORS = [
  'equals',
  'not_equal',
  'starts_with',
  'in',
  'greater_than',
  'greater_equal',
  'less_than',
  'less_equal',
  'between',
] as const;
export type SearchOperator = (typeof SEARCH_OPERATORS)[number];

export type SearchCriteria =
  | { kind: 'condition'; field: string; operator: SearchOperator; values: string[] }
  | { kind: 'group'; join: 'and' | 'or'; items: SearchCriteria[] };

/** A criteria string Zoho would answer with INVALID_QUERY; `reason` says what is wrong. */
export class SearchCriteriaError extends Error {
  readonly reason: string;

  constructor(reason: string) {
    super(`invalid query formed: ${reason}`);
    this.name = 'SearchCriteriaError';
    this.reason = reason;
  }
}

/** Parses `((A:equals:x)and(B:starts_with:y))`; throws SearchCriteriaError on anything else. */
export function parseSearchCriteria(text: string): SearchCriteria {
  const parser = new CriteriaParser(text.trim());
  const criteria = parser.sequence();
  if (!parser.atEnd()) throw new SearchCriteriaError(`unexpected text at position ${parser.position}`);
  return criteria;
}

/** Whether a record satisfies the criteria. Text compares case-insensitively, as Zoho's search does. */
export function matchesCriteria(record: Readonly<Record<string, unknown>>, criteria: SearchCriteria): boolean {
  if (criteria.kind === 'group') {
    return criteria.join === 'and'
      ? criteria.items.every((item) => matchesCriteria(record, item))
      : criteria.items.some((item) => matchesCriteria(record, item));
  }
  const value = valueAt(record, criteria.field);
  const [first = '', second = ''] = criteria.values;
  const ordered = (test: (difference: number) => boolean) =>
    matchesAny(value, (v) => {
      const difference = compare(v, first);
      return difference !== undefined && test(difference);
    });
  switch (criteria.operator) {
    case 'equals':
    case 'in':
      return matchesAny(value, (v) => criteria.values.some((expected) => sameValue(v, expected)));
    case 'not_equal':
      return !matchesAny(value, (v) => sameValue(v, first));
    case 'starts_with':
      return matchesAny(value, (v) => comparableText(v)?.startsWith(first.toLowerCase()) ?? false);
    case 'greater_than':
      return ordered((d) => d > 0);
    case 'greater_equal':
      return ordered((d) => d >= 0);
    case 'less_than':
      return ordered((d) => d < 0);
    case 'less_equal':
      return ordered((d) => d <= 0);
    case 'between':
      return matchesAny(value, (v) => {
        const low = compare(v, first);
        const high = compare(v, second);
        return low !== undefined && high !== undefined && low >= 0 && high <= 0;
      });
  }
}

class CriteriaParser {
  readonly text: string;
  position = 0;

  constructor(text: string) {
    this.text = text;
  }

  atEnd(): boolean {
    return this.position >= this.text.length;
  }

  /** group (('and'|'or') group)* — mixing and/or without parentheses is ambiguous, so refused. */
  sequence(): SearchCriteria {
    const items = [this.group()];
    let join: 'and' | 'or' | undefined;
    for (;;) {
      const next = this.text.slice(this.position, this.position + 3).toLowerCase();
      const word = next.startsWith('and') ? 'and' : next.startsWith('or') ? 'or' : undefined;
      if (!word) break;
      if (join && join !== word) throw new SearchCriteriaError('mix of "and" and "or" needs parentheses');
      join = word;
      this.position += word.length;
      items.push(this.group());
    }
    return items.length === 1 ? items[0]! : { kind: 'group', join: join ?? 'and', items };
  }

  group(): SearchCriteria {
    if (this.text[this.position] !== '(') throw new SearchCriteriaError(`expected "(" at position ${this.position}`);
    this.position += 1;
    const inner = this.text[this.position] === '(' ? this.sequence() : this.condition();
    if (this.text[this.position] !== ')') throw new SearchCriteriaError(`expected ")" at position ${this.position}`);
    this.position += 1;
    return inner;
  }

  condition(): SearchCriteria {
    const parts: string[] = [''];
    while (!this.atEnd()) {
      const char = this.text[this.position]!;
      if (char === '\\' && this.position + 1 < this.text.length) {
        parts[parts.length - 1] += `\\${this.text[this.position + 1]}`;
        this.position += 2;
        continue;
      }
      if (char === ')') break;
      if (char === '(') throw new SearchCriteriaError(`unescaped "(" at position ${this.position}`);
      // Values may hold colons (datetimes), so only the first two separate field, operator and value.
      if (char === ':' && parts.length < 3) parts.push('');
      else parts[parts.length - 1] += char;
      this.position += 1;
    }
    const [field, operator, raw] = parts;
    if (!field || !operator || raw === undefined) throw new SearchCriteriaError('a condition is Field:operator:value');
    if (!(SEARCH_OPERATORS as readonly string[]).includes(operator)) {
      throw new SearchCriteriaError(`unknown operator ${operator}`);
    }
    const values = operator === 'in' || operator === 'between' ? splitValues(raw) : [unescapeValue(raw)];
    if (operator === 'between' && values.length !== 2) throw new SearchCriteriaError('between takes two values');
    if (operator === 'in' && values.length > 100) throw new SearchCriteriaError('in takes at most 100 values');
    return { kind: 'condition', field: field.trim(), operator: operator as SearchOperator, values };
  }
}

function splitValues(raw: string): string[] {
  const values: string[] = [];
  let current = '';
  for (let i = 0; i < raw.length; i++) {
    const char = raw[i]!;
    if (char === '\\' && i + 1 < raw.length) {
      current += raw[i + 1]!;
      i += 1;
    } else if (char === ',') {
      values.push(current);
      current = '';
    } else current += char;
  }
  values.push(current);
  return values;
}

function unescapeValue(raw: string): string {
  return raw.replace(/\\(.)/g, '$1');
}

/** `Account_Name` on a lookup matches its name or id; `Account_Name.id` reaches inside. */
function valueAt(record: Readonly<Record<string, unknown>>, field: string): unknown {
  let value: unknown = record;
  for (const part of field.split('.')) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

function matchesAny(value: unknown, test: (value: unknown) => boolean): boolean {
  if (Array.isArray(value)) return value.some(test);
  return value !== undefined && value !== null && test(value);
}

function comparableText(value: unknown): string | undefined {
  if (typeof value === 'string') return value.toLowerCase();
  if (typeof value === 'number' || typeof value === 'boolean') return String(value).toLowerCase();
  if (value && typeof value === 'object' && 'name' in value && typeof value.name === 'string') {
    return value.name.toLowerCase();
  }
  return undefined;
}

function sameValue(value: unknown, expected: string): boolean {
  if (value && typeof value === 'object' && 'id' in value && value.id === expected) return true;
  if (typeof value === 'number') return value === Number(expected);
  return comparableText(value) === expected.toLowerCase();
}

/** Numbers compare as numbers, ISO dates/datetimes as instants, anything else as text. */
function compare(value: unknown, expected: string): number | undefined {
  if (typeof value === 'number') {
    const n = Number(expected);
    return Number.isNaN(n) ? undefined : value - n;
  }
  if (typeof value !== 'string') return undefined;
  if (/^\d{4}-\d{2}-\d{2}/.test(value) && /^\d{4}-\d{2}-\d{2}/.test(expected)) {
    const a = Date.parse(value);
    const b = Date.parse(expected);
    if (!Number.isNaN(a) && !Number.isNaN(b)) return a - b;
  }
  return value.localeCompare(expected);
}
