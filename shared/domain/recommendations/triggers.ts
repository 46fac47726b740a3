import { daysAgo } from '../account-facts.ts';
import type { AccountTimeline } from '../account-timeline.ts';
import type { Draft, Evidence, Health, Priority, RecommendationType, Signal } from '../analysis.ts';
import { addDaysToDate, dateOnlyOf, localDateOf, longDateOf } from '../calendar.ts';
import type { AccountSnapshot, Deal } from '../crm.ts';
import type { DomainRules } from '../domain-rules.ts';
import { overdueTasksOf } from '../signals/overdue-tasks.ts';
import { contactLine, type DraftParties, emailTo, taskFor } from './drafts.ts';

/** What a trigger proposes before confidence, expiry and ranking decide whether it is emitted. */
export interface Proposal {
  type: RecommendationType;
  priority: Priority;
  action: string;
  rationale: string;
  /** The signals the proposal rests on: its evidence, recency and pattern strength come from them. */
  basis: Signal[];
  /** Written once the due date (the expiry date) is known. */
  draft: (dueDate: string) => Draft | null;
}

export interface TriggerContext {
  snapshot: AccountSnapshot;
  asOf: Date;
  rules: DomainRules;
  health: Health;
  timeline: AccountTimeline;
  parties: DraftParties;
}

function dealOf(signal: Signal, snapshot: AccountSnapshot): Deal | undefined {
  const ref = signal.evidence.find((e) => e.module === 'Deals');
  return ref ? snapshot.deals.find((d) => d.id === ref.id) : undefined;
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** DOMAIN-RULES: inactivity / no_recorded_activity → re_engagement with a follow-up e-mail draft. */
function reEngagement(signal: Signal, ctx: TriggerContext): Proposal[] {
  const { snapshot, rules, timeline, parties } = ctx;
  const { account } = snapshot;
  const last = timeline.stats.lastActivityAt;
  const never = signal.type === 'no_recorded_activity' || !last;
  return [
    {
      type: 're_engagement',
      priority: signal.severity === 'critical' ? 'critical' : 'high',
      action: `Re-engage ${account.name}: e-mail ${parties.contact?.fullName ?? 'the main contact'} to set up a call`,
      rationale: never
        ? `${signal.detail}. Nobody at ${account.name} has heard from us, so the relationship exists only on paper.`
        : `${signal.detail}. Accounts that go quiet this long tend to drift away unnoticed; a personal note restarts the conversation.`,
      basis: [signal],
      draft: () =>
        never
          ? emailTo(parties, `Introduction – your contact for ${account.name}`, [
              `I am ${parties.ownerName}, your account manager for ${account.name}. I would like to introduce myself and learn what matters most to your team this year.`,
              'Could we find 30 minutes in the next two weeks for a short call? I am happy to work around your calendar.',
            ])
          : emailTo(parties, `Checking in – ${account.name}`, [
              `It has been a while since we last spoke (${longDateOf(last, rules.timeZone)}), and I would like to hear how things are going at ${account.name}.`,
              'Could we find 30 minutes in the next two weeks for a short call? I am happy to work around your calendar.',
            ]),
    },
  ];
}

/** DOMAIN-RULES: stalled_deal > 30 d → follow-up e-mail + task for the owner; > 45 d → escalation. */
function stalledDeal(signal: Signal, ctx: TriggerContext): Proposal[] {
  const { snapshot, asOf, rules, parties } = ctx;
  const deal = dealOf(signal, snapshot);
  if (!deal?.stageEnteredAt) return [];
  const days = daysAgo(deal.stageEnteredAt, asOf, rules);
  const since = dateOnlyOf(deal.stageEnteredAt);
  const amount = deal.amount !== null ? `, ${deal.amount.toLocaleString('en-US')}` : '';
  const dealOwnerId = deal.ownerId ?? parties.ownerId;
  const proposals: Proposal[] = [
    {
      type: 'follow_up_email',
      priority: 'high',
      action: `E-mail ${parties.contact?.fullName ?? 'the main contact'} to agree next steps on "${deal.name}"`,
      rationale: `"${deal.name}" has been in ${deal.stage} for ${days} days. A direct question about next steps usually shows whether it is still alive.`,
      basis: [signal],
      draft: () =>
        emailTo(parties, `${deal.name}: next steps`, [
          `I wanted to follow up on ${deal.name}. I would like to make sure you have everything you need from us to move forward, and to agree on the next steps together.`,
          'Would a short call this week work for you?',
        ]),
    },
    {
      type: 'create_task',
      priority: 'high',
      action: `Create a task to move "${deal.name}" out of ${deal.stage}`,
      rationale: `"${deal.name}" has not changed stage since ${since} (${days} days); a dated task keeps it from slipping further.`,
      basis: [signal],
      draft: (dueDate) =>
        taskFor(dealOwnerId, `Move "${deal.name}" forward: ${days} days in ${deal.stage}`, dueDate, [
          `Deal "${deal.name}" (${deal.stage}${amount}) has been in its stage since ${since} (${days} days).`,
          `Contact ${contactLine(parties)} to agree next steps, then update the stage or the closing date.`,
        ]),
    },
  ];
  if (signal.severity === 'critical') {
    const managerId = parties.managerId;
    proposals.push({
      type: 'escalation',
      priority: 'critical',
      action: `Escalate "${deal.name}" to ${parties.ownerName}'s manager`,
      rationale: `"${deal.name}" has been stuck in ${deal.stage} for ${days} days, past the ${rules.stalledDeal.criticalDays}-day escalation point.${managerId ? '' : ' No manager is on record, so the task goes to the owner.'}`,
      basis: [signal],
      draft: (dueDate) =>
        taskFor(
          managerId ?? parties.ownerId,
          `Escalation: "${deal.name}" stalled ${days} days in ${deal.stage}`,
          dueDate,
          [
            `${parties.ownerName}'s deal "${deal.name}" with ${snapshot.account.name} (${deal.stage}${amount}) has not moved since ${since}.`,
            `Review it with ${parties.ownerName} and decide whether to push, re-scope or close it.`,
          ],
        ),
    });
  }
  return proposals;
}

/** DOMAIN-RULES: closing_date_passed → update_account (new closing date) + create_task (stage review). */
function closingDatePassed(signal: Signal, ctx: TriggerContext): Proposal[] {
  const { snapshot, asOf, rules, parties } = ctx;
  const deal = dealOf(signal, snapshot);
  if (!deal?.closingDate) return [];
  const before = dateOnlyOf(deal.closingDate);
  const after = addDaysToDate(localDateOf(asOf, rules.timeZone), rules.recommendations.closingDateShiftDays);
  return [
    {
      type: 'update_account',
      priority: 'high',
      action: `Move the closing date of "${deal.name}" from ${before} to ${after}, or review its stage`,
      rationale: `"${deal.name}" was due to close on ${before} and is still in ${deal.stage}; a closing date in the past distorts the forecast.`,
      basis: [signal],
      draft: () => ({ kind: 'field_update', module: 'Deals', recordId: deal.id, field: 'Closing_Date', before, after }),
    },
    {
      type: 'create_task',
      priority: 'high',
      action: `Create a task to review the stage and closing date of "${deal.name}"`,
      rationale: `"${deal.name}" passed its closing date (${before}) without closing.`,
      basis: [signal],
      draft: (dueDate) =>
        taskFor(deal.ownerId ?? parties.ownerId, `Review stage and closing date of "${deal.name}"`, dueDate, [
          `Deal "${deal.name}" was due to close on ${before} and is still in ${deal.stage}.`,
          `Confirm with ${contactLine(parties)} whether it will close, then set a realistic closing date or close it as lost.`,
        ]),
    },
  ];
}

/** DOMAIN-RULES: overdue_tasks → one consolidated follow-up task, priority as the signal. */
function overdueTasks(signal: Signal, ctx: TriggerContext): Proposal[] {
  const { snapshot, asOf, rules, parties } = ctx;
  const overdue = overdueTasksOf(snapshot, asOf, rules);
  if (overdue.length === 0) return [];
  return [
    {
      type: 'create_task',
      priority: signal.severity === 'high' ? 'high' : 'medium',
      action: `Create one follow-up task to clear the ${plural(overdue.length, 'overdue task')} on ${snapshot.account.name}`,
      rationale: `${signal.detail}; the oldest was due on ${dateOnlyOf(overdue[0]!.dueDate!)}. Commitments that slip tell the customer we are not paying attention.`,
      basis: [signal],
      draft: (dueDate) =>
        taskFor(
          parties.ownerId,
          `Clear ${plural(overdue.length, 'overdue task')} for ${snapshot.account.name}`,
          dueDate,
          [
            'Complete, reschedule or close these overdue tasks:',
            ...overdue.map((t) => `- ${t.subject} (due ${dateOnlyOf(t.dueDate!)})`),
          ],
        ),
    },
  ];
}

/** DOMAIN-RULES: owner_change → executive_alignment (introduce the new owner). */
function ownerChange(signal: Signal, ctx: TriggerContext): Proposal[] {
  const { snapshot, parties } = ctx;
  const previous = signal.evidence.find((e) => e.module === 'Baseline')?.value;
  const from = previous ? ` from ${previous}` : '';
  return [
    {
      type: 'executive_alignment',
      priority: 'high',
      action: `Introduce ${parties.ownerName} to ${parties.contact?.fullName ?? `${snapshot.account.name}'s main contact`} as the new account owner`,
      rationale: `${signal.detail}. A handover without an introduction leaves the customer talking to nobody.`,
      basis: [signal],
      draft: () =>
        emailTo(parties, `Your new point of contact: ${parties.ownerName}`, [
          `I am ${parties.ownerName}, and I am taking over${from} as your account manager for ${snapshot.account.name}. I would like to introduce myself and make sure nothing falls through the cracks during the handover.`,
          'Would you be open to a short introductory call in the coming days?',
        ]),
    },
  ];
}

/** DOMAIN-RULES: at_risk_status or health < 50 → risk_mitigation (critical). */
function riskMitigation(basis: Signal[], priority: Priority, why: string, ctx: TriggerContext): Proposal {
  const { snapshot, health, parties } = ctx;
  return {
    type: 'risk_mitigation',
    priority,
    action: `Draw up a risk mitigation plan for ${snapshot.account.name}`,
    rationale: why,
    basis,
    draft: (dueDate) =>
      taskFor(parties.ownerId, `Risk mitigation plan for ${snapshot.account.name} (health ${health.score})`, dueDate, [
        `Health is ${health.score} (${health.band.replace('_', ' ')}). What weighs on it:`,
        ...basis.map((s) => `- ${s.detail}`),
        `Agree the plan with ${contactLine(parties)} and record it on the account.`,
      ]),
  };
}

/** DOMAIN-RULES: renewal_window → renewal_reminder (high). */
function renewalWindow(signal: Signal, ctx: TriggerContext): Proposal[] {
  const { snapshot, parties } = ctx;
  const date = signal.evidence[0]?.value;
  return [
    {
      type: 'renewal_reminder',
      priority: 'high',
      action: `Start the renewal conversation with ${snapshot.account.name} before ${date}`,
      rationale: `${signal.detail}. Renewals prepared weeks ahead close; renewals noticed on the day slip.`,
      basis: [signal],
      draft: (dueDate) =>
        taskFor(parties.ownerId, `Prepare the renewal of ${snapshot.account.name} (contract ends ${date})`, dueDate, [
          `The contract of ${snapshot.account.name} ends on ${date}.`,
          `Book a renewal meeting with ${contactLine(parties)} and prepare the proposal.`,
        ]),
    },
  ];
}

/** DOMAIN-RULES: upsell_signal → upsell_opportunity (medium). */
function upsell(signal: Signal, ctx: TriggerContext): Proposal[] {
  const { snapshot, parties } = ctx;
  return [
    {
      type: 'upsell_opportunity',
      priority: 'medium',
      action: `Explore an expansion with ${snapshot.account.name}`,
      rationale: `${signal.detail}. A healthy, sizeable customer is the cheapest place to grow.`,
      basis: [signal],
      draft: (dueDate) =>
        taskFor(parties.ownerId, `Explore expansion with ${snapshot.account.name}`, dueDate, [
          signal.detail,
          `Ask ${contactLine(parties)} about upcoming needs and prepare an expansion proposal if there is interest.`,
        ]),
    },
  ];
}

/** DOMAIN-RULES: competitor_mention / negative_sentiment → risk_mitigation, or escalation when it is loud. */
function unhappyCustomer(signal: Signal, ctx: TriggerContext): Proposal[] {
  const why = `${signal.detail}. Left alone, dissatisfaction becomes a lost account.`;
  if (signal.type === 'negative_sentiment' && signal.severity === 'high') {
    const { snapshot, parties } = ctx;
    return [
      {
        type: 'escalation',
        priority: 'high',
        action: `Escalate the complaints from ${snapshot.account.name} to ${parties.ownerName}'s manager`,
        rationale: why,
        basis: [signal],
        draft: (dueDate) =>
          taskFor(
            parties.managerId ?? parties.ownerId,
            `Escalation: repeated complaints from ${snapshot.account.name}`,
            dueDate,
            [
              signal.detail,
              `Review the account with ${parties.ownerName} and agree who calls ${contactLine(parties)}.`,
            ],
          ),
      },
    ];
  }
  return [riskMitigation([signal], 'high', why, ctx)];
}

/** Every proposal the account's signals and health call for, per the DOMAIN-RULES trigger table. */
export function proposalsFor(signals: readonly Signal[], ctx: TriggerContext): Proposal[] {
  const proposals = signals.flatMap((signal): Proposal[] => {
    switch (signal.type) {
      case 'inactivity':
      case 'no_recorded_activity':
        return reEngagement(signal, ctx);
      case 'stalled_deal':
        return stalledDeal(signal, ctx);
      case 'closing_date_passed':
        return closingDatePassed(signal, ctx);
      case 'overdue_tasks':
        return overdueTasks(signal, ctx);
      case 'owner_change':
        return ownerChange(signal, ctx);
      case 'renewal_window':
        return renewalWindow(signal, ctx);
      case 'upsell_signal':
        return upsell(signal, ctx);
      case 'competitor_mention':
      case 'negative_sentiment':
        return unhappyCustomer(signal, ctx);
      default:
        return [];
    }
  });
  const risks = signals.filter((s) => s.severity !== 'opportunity');
  const atRisk = signals.find((s) => s.type === 'at_risk_status');
  const lowHealth = ctx.health.score < ctx.rules.recommendations.riskMitigationBelowHealth;
  if ((atRisk || lowHealth) && risks.length > 0) {
    const why = [
      atRisk ? atRisk.detail : undefined,
      lowHealth
        ? `Health is ${ctx.health.score}, below ${ctx.rules.recommendations.riskMitigationBelowHealth}`
        : undefined,
    ]
      .filter(Boolean)
      .join('; ');
    const because = lowHealth
      ? 'Several problems at once need one plan, not separate fixes.'
      : 'An account the CRM marks as at risk needs a plan before it decides to leave.';
    proposals.push(riskMitigation(risks, 'critical', `${why}. ${because}`, ctx));
  }
  return proposals;
}

export function evidenceOfBasis(basis: readonly Signal[], max: number): Evidence[] {
  const seen = new Set<string>();
  const evidence: Evidence[] = [];
  for (const item of basis.flatMap((s) => s.evidence)) {
    const key = `${item.module}|${item.id}|${item.field}|${String(item.value)}`;
    if (seen.has(key)) continue;
    seen.add(key);
    evidence.push(item);
  }
  return evidence.slice(0, max);
}
