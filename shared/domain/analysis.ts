/** The analysis vocabulary of DOMAIN-RULES.md and the analysis JSON of CONTRACTS.md. */
export type Severity = 'low' | 'medium' | 'high' | 'critical';
export type RiskLevel = 'none' | Severity;
export type Priority = Severity;
export type HealthBand = 'healthy' | 'moderate' | 'at_risk' | 'critical';

export const SIGNAL_TYPES = [
  'inactivity',
  'no_recorded_activity',
  'stalled_deal',
  'closing_date_passed',
  'engagement_drop',
  'overdue_tasks',
  'owner_change',
  'at_risk_status',
  'renewal_window',
  'negative_sentiment',
  'competitor_mention',
  'upsell_signal',
] as const;
export type SignalType = (typeof SIGNAL_TYPES)[number];

export const RECOMMENDATION_TYPES = [
  'follow_up_email',
  'schedule_meeting',
  'create_task',
  'escalation',
  'update_account',
  'renewal_reminder',
  'upsell_opportunity',
  'risk_mitigation',
  're_engagement',
  'executive_alignment',
] as const;
export type RecommendationType = (typeof RECOMMENDATION_TYPES)[number];

/** A fact in the CRM copy that supports a conclusion: module, record id, field, value. */
export interface Evidence {
  module: string;
  id: string;
  field: string;
  value: string | number | boolean | null;
}

export interface Signal {
  type: SignalType;
  /** `opportunity` marks a signal that is not a risk (upsell). */
  severity: Severity | 'opportunity';
  detail: string;
  evidence: Evidence[];
}

export interface HealthFactor {
  name: string;
  points: number;
  evidence: Evidence[];
}

export interface Health {
  score: number;
  band: HealthBand;
  factors: HealthFactor[];
}

export interface EmailDraft {
  kind: 'email';
  to: string | null;
  subject: string;
  body: string;
}

export interface TaskDraft {
  kind: 'task';
  subject: string;
  dueDate: string;
  description: string;
  ownerId: string;
}

export interface NoteDraft {
  kind: 'note';
  title: string;
  content: string;
}

export interface FieldUpdateDraft {
  kind: 'field_update';
  module: string;
  recordId: string;
  field: string;
  before: string | number | null;
  after: string | number | null;
}

export type Draft = EmailDraft | TaskDraft | NoteDraft | FieldUpdateDraft;

export interface Recommendation {
  id: string;
  accountId: string;
  type: RecommendationType;
  priority: Priority;
  confidence: number;
  action: string;
  rationale: string;
  evidence: Evidence[];
  draft: Draft | null;
  requiresApproval: boolean;
  expiresAt: Date;
  /** Which author wrote it: the rule engine or an LLM. */
  author: 'rules' | 'llm';
}

export type PiiType = 'email' | 'phone' | 'payment_card' | 'ssn' | 'iban' | 'secret';

export interface PiiFinding {
  type: PiiType;
  /** Where it was found, e.g. `draft.body` or `rationale`. */
  location: string;
  preview: string;
}

export interface PolicyViolation {
  rule: string;
  location: string;
  message: string;
  /** An unfixable violation blocks the draft: it is never executed. */
  blocking: boolean;
}

export interface ComplianceReport {
  approved: boolean;
  riskLevel: 'low' | 'medium' | 'high';
  piiDetected: PiiFinding[];
  policyViolations: PolicyViolation[];
}

/** What became of a recommendation: a person's decision, its execution, or no decision in time. */
export type RecommendationOutcomeKind = 'approved' | 'edited' | 'rejected' | 'executed' | 'expired';
