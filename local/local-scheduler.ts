import type { Container } from '../shared/runtime/container.ts';
import {
  type KeepNotificationChannelInput,
  keepNotificationChannel,
} from '../shared/use-cases/keep-notification-channel.ts';
import { sendApprovalReminders } from '../shared/use-cases/send-approval-reminders.ts';
import { sendOwnerBriefs } from '../shared/use-cases/send-owner-briefs.ts';
import { indexAccountFeatures } from '../shared/use-cases/similar-accounts.ts';
import { syncFull } from '../shared/use-cases/sync-full.ts';
import { syncIncremental } from '../shared/use-cases/sync-incremental.ts';

/** Milliseconds until the next 02:00 in `timeZone`. */
export function msUntilNext(hour: number, now: Date, timeZone: string): number {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    })
      .formatToParts(now)
      .map((p) => [p.type, Number(p.value)]),
  ) as { hour: number; minute: number; second: number };
  const secondsIntoDay = parts.hour * 3600 + parts.minute * 60 + parts.second;
  let wait = hour * 3600 - secondsIntoDay;
  if (wait <= 0) wait += 24 * 3600;
  return wait * 1000;
}

/** The hourly messages: 24-hour approval reminders, then the owner briefs whose 06:00 has come. */
export async function sendScheduledNotifications(deps: Container, now = deps.clock.now()) {
  const reminders = await sendApprovalReminders(deps, now);
  const briefs = await sendOwnerBriefs(deps, now);
  return { reminders, briefs };
}

/**
 * What EventBridge Scheduler does on AWS: the daily full sync at 02:00 (the tenant's time zone), the
 * hourly incremental sync (what changed and what was deleted since each module's cursor), the hourly
 * approval reminders and owner briefs (also once right after start, so a stack started after 06:00
 * delivers today's briefs), and, when there is a notification channel, an hourly check that renews it
 * before Zoho lets it lapse.
 */
export function startLocalScheduler(
  deps: Container,
  options: { timeZone: string; channel?: KeepNotificationChannelInput | null },
) {
  let stopped = false;
  const timers: NodeJS.Timeout[] = [];
  const run = async (label: string, kind: 'full' | 'incremental') => {
    try {
      const crm = deps.crmFor('background');
      const result = kind === 'full' ? await syncFull({ ...deps, crm }) : await syncIncremental({ ...deps, crm });
      if (kind === 'full') await indexAccountFeatures(deps);
      process.stderr.write(`scheduler: ${label} sync done (${result.apiCalls} API calls)\n`);
    } catch (error) {
      process.stderr.write(`scheduler: ${label} sync failed: ${(error as Error).message}\n`);
    }
  };
  const daily = () => {
    timers.push(
      setTimeout(
        async () => {
          if (stopped) return;
          await run('daily full', 'full');
          daily();
        },
        msUntilNext(2, new Date(), options.timeZone),
      ),
    );
  };
  daily();
  timers.push(setInterval(() => void run('hourly incremental', 'incremental'), 3600_000));
  const notify = async () => {
    if (stopped) return;
    try {
      const { reminders, briefs } = await sendScheduledNotifications(deps);
      if (reminders.sent + briefs.sent + reminders.failed + briefs.failed > 0) {
        process.stderr.write(
          `scheduler: sent ${reminders.sent} approval reminder(s) and ${briefs.sent} owner brief(s)` +
            `${reminders.failed + briefs.failed > 0 ? `; ${reminders.failed + briefs.failed} failed, retried next hour` : ''}\n`,
        );
      }
    } catch (error) {
      process.stderr.write(`scheduler: notifications failed: ${(error as Error).message}\n`);
    }
  };
  timers.push(setTimeout(() => void notify(), 5_000));
  timers.push(setInterval(() => void notify(), 3600_000));
  const channel = options.channel;
  if (channel) {
    const keep = async () => {
      try {
        const kept = await keepNotificationChannel(deps, channel);
        if (kept.action !== 'unchanged') process.stderr.write(`scheduler: notification channel ${kept.action}\n`);
      } catch (error) {
        process.stderr.write(`scheduler: notification channel check failed: ${(error as Error).message}\n`);
      }
    };
    timers.push(setInterval(() => void keep(), 3600_000));
  }
  return {
    stop() {
      stopped = true;
      for (const timer of timers) clearTimeout(timer);
    },
  };
}
