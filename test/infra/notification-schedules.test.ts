import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { FUNCTIONS } from '../../infra/function-catalog.ts';

const repoRoot = new URL('../../', import.meta.url);

describe('the scheduled message functions in the catalog', () => {
  it.each([
    ['approval-reminders', 'functions/sync/approval-reminders.ts', 'hourly-approval-reminders'],
    ['owner-briefs', 'functions/sync/owner-briefs.ts', 'hourly-owner-briefs'],
  ])('%s runs %s on the %s schedule, bound to the database and the notify channels only', (id, entry, schedule) => {
    const spec = FUNCTIONS.find((fn) => fn.id === id);
    expect(spec).toMatchObject({ entry, schedule, binds: ['database', 'notify'] });
    expect(spec?.route).toBeUndefined();
    expect(existsSync(new URL(entry, repoRoot))).toBe(true);
  });

  it('gives every schedule to exactly one function', () => {
    const schedules = FUNCTIONS.flatMap((fn) => (fn.schedule ? [fn.schedule] : []));
    expect(new Set(schedules).size).toBe(schedules.length);
  });
});
