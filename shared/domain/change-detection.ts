import { openDealsOf } from './account-facts.ts';
import { dateOnlyOf } from './calendar.ts';
import type { AccountBaseline, AccountSnapshot } from './crm.ts';
import type { DomainRules } from './domain-rules.ts';

/**
 * Change detection against the baseline of the account's last completed review (DOMAIN-RULES:
 * "Field changes are classified by field (owner, status, revenue, stage, other)").
 */
export type ChangeKind = 'owner' | 'status' | 'revenue' | 'stage' | 'other';
export type BaselineValue = string | number | null;

export interface ChangedField {
  /** `Owner`, `Rating`, `Annual_Revenue`, … or `Deals.<id>.Stage` for a deal. */
  field: string;
  kind: ChangeKind;
  before: BaselineValue;
  after: BaselineValue;
}

const dealField = (dealId: string, field: string) => `Deals.${dealId}.${field}`;
const DEAL_FIELD = /^Deals\.(.+)\.(Stage|Amount|Closing_Date)$/;

/** The account's fields we remember at the end of a review, keyed by Zoho field API name. */
export function baselineFieldsOf(snapshot: AccountSnapshot, rules: DomainRules): Record<string, BaselineValue> {
  const { account } = snapshot;
  const fields: Record<string, BaselineValue> = {
    Owner: account.ownerId,
    // Kept for the "before" of an owner change; a renamed user is not a change of owner.
    Owner_Name: account.ownerName,
    Rating: account.status,
    Annual_Revenue: account.annualRevenue,
    Account_Type: account.accountType,
    Industry: account.industry,
    Employees: account.employees,
    Contract_End_Date: account.renewalDate ? dateOnlyOf(account.renewalDate) : null,
  };
  for (const deal of openDealsOf(snapshot, rules)) {
    fields[dealField(deal.id, 'Stage')] = deal.stage;
    fields[dealField(deal.id, 'Amount')] = deal.amount;
    fields[dealField(deal.id, 'Closing_Date')] = deal.closingDate ? dateOnlyOf(deal.closingDate) : null;
  }
  return fields;
}

const KIND_BY_FIELD: Record<string, ChangeKind> = {
  Owner: 'owner',
  Rating: 'status',
  Annual_Revenue: 'revenue',
};

function kindOf(field: string): ChangeKind {
  const deal = DEAL_FIELD.exec(field);
  if (deal) return deal[2] === 'Stage' ? 'stage' : 'other';
  return KIND_BY_FIELD[field] ?? 'other';
}

/**
 * What changed since the baseline, classified by kind. A deal that was open at the review and has
 * since closed shows as a stage change to its closed stage; a new open deal as a stage change from
 * nothing. No baseline → no changes (the first review has nothing to compare with).
 */
export function changedFields(
  baseline: AccountBaseline | null,
  snapshot: AccountSnapshot,
  rules: DomainRules,
): ChangedField[] {
  if (!baseline) return [];
  const now = baselineFieldsOf(snapshot, rules);
  const changes: ChangedField[] = [];
  const record = (field: string, before: BaselineValue, after: BaselineValue) => {
    if (String(before) !== String(after)) changes.push({ field, kind: kindOf(field), before, after });
  };
  for (const field of Object.keys(baseline.fields)) {
    // Owner_Name only names the owner; Owner (the id) is what changes hands.
    if (field === 'Owner_Name' || DEAL_FIELD.test(field)) continue;
    record(field, baseline.fields[field] ?? null, now[field] ?? null);
  }
  const dealIds = new Set(
    [...Object.keys(baseline.fields), ...Object.keys(now)].flatMap((f) => {
      const match = DEAL_FIELD.exec(f);
      return match ? [match[1]!] : [];
    }),
  );
  const dealsById = new Map(snapshot.deals.map((d) => [d.id, d]));
  for (const id of dealIds) {
    const stageField = dealField(id, 'Stage');
    const deal = dealsById.get(id);
    if (!(stageField in baseline.fields) || !deal) {
      record(stageField, baseline.fields[stageField] ?? null, deal?.stage ?? null);
      continue;
    }
    record(stageField, baseline.fields[stageField] ?? null, deal.stage);
    record(dealField(id, 'Amount'), baseline.fields[dealField(id, 'Amount')] ?? null, deal.amount);
    record(
      dealField(id, 'Closing_Date'),
      baseline.fields[dealField(id, 'Closing_Date')] ?? null,
      deal.closingDate ? dateOnlyOf(deal.closingDate) : null,
    );
  }
  return changes;
}
