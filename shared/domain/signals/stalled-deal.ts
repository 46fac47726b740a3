import { daysAgo, openDealsOf } from '../account-facts.ts';
import type { Signal } from '../analysis.ts';
import type { AccountSnapshot } from '../crm.ts';
import type { DomainRules } from '../domain-rules.ts';

export interface SignalFindings {
  signals: Signal[];
  /** What could not be judged for lack of data, in plain words. */
  insufficientData: string[];
}

/**
 * DOMAIN-RULES `stalled_deal`: an open deal in its current stage > 30 days is high, > 45 days critical
 * (exactly 30 is not stalled). Without a stage-entry date nothing is raised and the gap is reported.
 */
export function stalledDealSignals(snapshot: AccountSnapshot, asOf: Date, rules: DomainRules): SignalFindings {
  const findings: SignalFindings = { signals: [], insufficientData: [] };
  for (const deal of openDealsOf(snapshot, rules)) {
    if (!deal.stageEnteredAt) {
      findings.insufficientData.push(
        `Deal "${deal.name}" (${deal.id}) has no stage history: stalled_deal was not evaluated`,
      );
      continue;
    }
    const days = daysAgo(deal.stageEnteredAt, asOf, rules);
    if (days <= rules.stalledDeal.highDays) continue;
    findings.signals.push({
      type: 'stalled_deal',
      severity: days > rules.stalledDeal.criticalDays ? 'critical' : 'high',
      detail: `Deal "${deal.name}" has been in ${deal.stage} for ${days} days`,
      evidence: [
        { module: 'Deals', id: deal.id, field: 'Stage', value: deal.stage },
        {
          module: 'Deals',
          id: deal.id,
          field: 'Stage_History.Modified_Time',
          value: deal.stageEnteredAt.toISOString(),
        },
      ],
    });
  }
  return findings;
}
