import { AppError } from '../shared/errors.ts';

/** Bad usage or bad input on the command line: exit code 2, with a message naming the argument. */
export class UsageError extends AppError {
  constructor(message: string) {
    super('USAGE', message, { expose: true, status: 400 });
  }
}

export function parseAsOf(value: string | undefined): Date | undefined {
  if (value === undefined) return undefined;
  const date = new Date(value);
  if (!/^\d{4}-\d{2}-\d{2}/.test(value) || Number.isNaN(date.getTime())) {
    throw new UsageError(`--as-of: "${value}" is not an ISO date (e.g. 2026-11-24 or 2026-11-24T00:00:00Z)`);
  }
  return date;
}

export function parsePositiveInt(name: string, value: string): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 0) throw new UsageError(`${name}: "${value}" is not a whole number`);
  return number;
}
