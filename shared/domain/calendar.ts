/**
 * Calendar arithmetic in the tenant's time zone. DOMAIN-RULES counts whole calendar days, so two
 * instants an hour apart across local midnight are one day apart, and 23:59 → 00:01 the next day too.
 */
const MS_PER_DAY = 86_400_000;
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/** The local calendar date (`yyyy-MM-dd`) of an instant in a time zone. */
export function localDateOf(instant: Date, timeZone: string): string {
  const parts = formatterFor(timeZone).formatToParts(instant);
  const part = (type: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === type)?.value ?? '';
  return `${part('year')}-${part('month')}-${part('day')}`;
}

/**
 * The calendar date of a date-only Zoho field (Due_Date, Closing_Date, Contract_End_Date). The sync
 * stores those as UTC midnight, so reading them in a zone west of UTC would shift them a day back.
 */
export function dateOnlyOf(date: Date): string {
  return date.toISOString().slice(0, 10);
}

/** Whole calendar days from `from` to `to` in the tenant's time zone (negative when `to` is earlier). */
export function wholeDaysBetween(from: Date, to: Date, timeZone: string): number {
  return daysBetweenDates(localDateOf(from, timeZone), localDateOf(to, timeZone));
}

/** Whole days between two `yyyy-MM-dd` dates. */
export function daysBetweenDates(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / MS_PER_DAY);
}

/** The `yyyy-MM-dd` date `days` days after another. */
export function addDaysToDate(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * MS_PER_DAY).toISOString().slice(0, 10);
}

export function addHours(instant: Date, hours: number): Date {
  return new Date(instant.getTime() + hours * 3_600_000);
}

const longFormatters = new Map<string, Intl.DateTimeFormat>();

/** A date as a customer reads it ("12 October 2026"), in the tenant's time zone. */
export function longDateOf(instant: Date, timeZone: string): string {
  let formatter = longFormatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-GB', { timeZone, day: 'numeric', month: 'long', year: 'numeric' });
    longFormatters.set(timeZone, formatter);
  }
  return formatter.format(instant);
}

/** The instant a local wall-clock time (`hour`:00 on `date`) happens in a time zone (DST-aware). */
export function instantAtLocalTime(date: string, hour: number, timeZone: string): Date {
  const wallClock = Date.parse(`${date}T${String(hour).padStart(2, '0')}:00:00Z`);
  let instant = wallClock;
  // Twice: the offset at the first guess can differ from the offset at the answer across a DST change.
  for (let i = 0; i < 2; i++) instant = wallClock - offsetMinutesAt(new Date(instant), timeZone) * 60_000;
  return new Date(instant);
}

const offsetFormatters = new Map<string, Intl.DateTimeFormat>();

/** The zone's UTC offset in minutes at an instant (e.g. 60 for Paris in winter). */
function offsetMinutesAt(instant: Date, timeZone: string): number {
  let formatter = offsetFormatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    offsetFormatters.set(timeZone, formatter);
  }
  const parts = Object.fromEntries(formatter.formatToParts(instant).map((p) => [p.type, Number(p.value)]));
  const asUtc = Date.UTC(
    parts.year ?? 0,
    (parts.month ?? 1) - 1,
    parts.day ?? 1,
    parts.hour ?? 0,
    parts.minute ?? 0,
    parts.second ?? 0,
  );
  return Math.round((asUtc - Math.floor(instant.getTime() / 1000) * 1000) / 60_000);
}
