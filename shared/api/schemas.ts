/**
 * The HTTP API's request and response shapes, as zod schemas: the handlers parse their input with the
 * request schemas, and shared/api/openapi.ts turns every schema here into the OpenAPI document, so the
 * document cannot drift from what the handlers accept.
 */
import { z } from 'zod';
import { type HealthBand, type Priority, RECOMMENDATION_TYPES, type RiskLevel } from '../domain/analysis.ts';

export { RECOMMENDATION_TYPES };

import type { RecommendationStatus } from '../ports/recommendations.ts';
import type { RunStatus } from '../ports/runs.ts';

export const RISK_LEVELS = ['none', 'low', 'medium', 'high', 'critical'] as const satisfies readonly RiskLevel[];
export const HEALTH_BANDS = ['healthy', 'moderate', 'at_risk', 'critical'] as const satisfies readonly HealthBand[];
export const PRIORITIES = ['low', 'medium', 'high', 'critical'] as const satisfies readonly Priority[];
export const RECOMMENDATION_STATUSES = [
  'draft',
  'pending',
  'blocked',
  'approved',
  'rejected',
  'executed',
  'expired',
  'skipped',
  'deferred',
] as const satisfies readonly RecommendationStatus[];
export const APPROVAL_STATUSES = ['pending', 'approved', 'rejected', 'expired'] as const;
export const RUN_STATUSES = [
  'QUEUED',
  'INITIALIZING',
  'DATA_RETRIEVAL',
  'MEMORY_ANALYSIS',
  'RECOMMENDATION',
  'COMPLIANCE_CHECK',
  'AWAITING_APPROVAL',
  'EXECUTING',
  'MEMORY_SYNC',
  'COMPLETED',
  'FAILED',
] as const satisfies readonly RunStatus[];

// ---------------------------------------------------------------------------------------------------------
// Requests

const crmId = (what: string) => z.string().trim().min(1).max(50).describe(what);
const asOf = z.iso
  .datetime({ offset: true })
  .optional()
  .describe('"Now" for the analysis, an ISO 8601 instant (reproducible runs)');

export const PageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(50).describe('Items per page, at most 100'),
  cursor: z.string().min(1).max(2000).optional().describe('The `next_cursor` of the previous page'),
});

export const IdPath = z.object({ id: z.string().min(1).max(100) });
export const ApprovalIdPath = z.object({
  approvalId: z.string().min(1).max(64).describe('The short random single-use id from the approval link'),
});

export const ListAccountsQuery = PageQuery.extend({
  owner: crmId('Only this account owner (Zoho user id)').optional(),
  risk: z.enum(RISK_LEVELS).optional().describe("The latest analysis's risk level"),
  health: z.enum(HEALTH_BANDS).optional().describe("The latest analysis's health band"),
});

export const ListRecommendationsQuery = PageQuery.extend({
  status: z.enum(RECOMMENDATION_STATUSES).optional(),
  type: z.enum(RECOMMENDATION_TYPES).optional(),
  account: crmId('Only this account').optional(),
});

export const ListApprovalsQuery = PageQuery.extend({
  status: z.enum(APPROVAL_STATUSES).default('pending').describe('A pending approval past its expiry counts as expired'),
  account: crmId('Only this account').optional(),
});

export const ListRunsQuery = PageQuery.extend({
  account: crmId('Only this account').optional(),
  status: z.enum(RUN_STATUSES).optional(),
});

export const AnalyzeAccountBody = z.object({ as_of: asOf });

export const OwnerBriefQuery = z.object({ as_of: asOf });

/** What an approver may change in a draft; each is re-checked by compliance before anything is decided. */
export const DraftEditsBody = z
  .strictObject({
    subject: z.string().max(2000).optional().describe('E-mail or task subject'),
    body: z.string().max(32_000).optional().describe('E-mail body'),
    description: z.string().max(32_000).optional().describe('Task description'),
    dueDate: z.iso.date().optional().describe('Task due date (YYYY-MM-DD)'),
    title: z.string().max(2000).optional().describe('Note title'),
    content: z.string().max(32_000).optional().describe('Note content'),
    value: z
      .union([z.string().max(2000), z.number(), z.null()])
      .optional()
      .describe('New value of a field update'),
  })
  .meta({ id: 'DraftEdits' });

export const ApproveRecommendationBody = z.object({
  reason: z.string().trim().max(2000).optional().describe('Kept in the audit trail'),
  edits: DraftEditsBody.optional().describe('Approve with edits: the edited draft is re-checked by compliance'),
});

export const BatchApproveBody = z.object({
  approvalIds: z.array(z.string().min(1).max(200)).min(1).max(50).describe('Each is decided on its own'),
});

export const DeferBody = z.object({
  days: z.number().int().min(1).max(30).describe('Snooze the decision this many days (1–30)'),
  reason: z.string().trim().max(2000).optional(),
});

const blankIsMissing = (value: unknown) => (typeof value === 'string' && value.trim() === '' ? undefined : value);
const formText = (max: number) => z.preprocess(blankIsMissing, z.string().max(max).optional());

/** The approval page's form: the signed-in person decides (one form, one submit button per decision). */
export const DecisionForm = z.object({
  decision: z.enum(['approve', 'approve_with_edits', 'reject', 'defer']),
  reason: z.string().trim().max(2000).optional().describe('Required to reject'),
  days: z.preprocess(blankIsMissing, z.coerce.number().int().min(1).max(30).optional()).describe('Required to defer'),
  subject: formText(2000),
  body: formText(32_000),
  description: formText(32_000),
  due_date: z.preprocess(blankIsMissing, z.iso.date().optional()),
  title: formText(2000),
  content: formText(32_000),
  value: z.string().max(2000).optional().describe('New value of a field update'),
});

/** Only a path on this site: `//host` or `https://…` would send the browser elsewhere after signing in. */
const localPath = z
  .string()
  .max(2000)
  .regex(/^\/(?![/\\])[^\s]*$/, 'a path on this site, like /approvals/abc');

export const SignInQuery = z.object({ next: localPath.optional() });

export const SignInForm = z.discriminatedUnion('action', [
  z.object({
    action: z.literal('sign_in'),
    token: z.string().trim().min(1, 'paste the token `sergas user create` printed').max(8192),
    next: localPath.optional(),
  }),
  z.object({ action: z.literal('sign_out'), next: localPath.optional() }),
]);

/** Zoho's notification callback (ids only, the channel token echoed in the body). */
export const ZohoNotification = z.looseObject({
  channel_id: z.coerce.string().min(1),
  module: z.string().min(1),
  operation: z.string().min(1),
  ids: z.array(z.coerce.string().min(1)).min(1).max(100),
  token: z.string().max(50),
  server_time: z.coerce.number().int(),
});

// ---------------------------------------------------------------------------------------------------------
// Responses

export const ErrorResponse = z
  .object({
    error: z.object({
      code: z.string().describe('Stable, e.g. VALIDATION_FAILED, UNAUTHORIZED, NOT_FOUND, RATE_LIMITED'),
      message: z.string().describe('Names the field or parameter when the input was wrong'),
      details: z.unknown(),
    }),
  })
  .meta({ id: 'Error', description: 'Every error, as CONTRACTS.md gives it' });

const Evidence = z
  .object({
    module: z.string(),
    id: z.string(),
    field: z.string(),
    value: z.union([z.string(), z.number(), z.boolean(), z.null()]),
  })
  .meta({ id: 'Evidence' });

const Signal = z
  .object({ type: z.string(), severity: z.string(), detail: z.string(), evidence: z.array(Evidence) })
  .meta({ id: 'Signal' });

const NextCursor = z.string().nullable().describe('Pass as `cursor` for the next page; null on the last page');

const Named = z.object({ id: z.string(), name: z.string() });
const iso = z.string().describe('ISO 8601 instant');

export const AccountList = z
  .object({
    accounts: z.array(
      z.object({
        id: z.string(),
        name: z.string(),
        owner: Named,
        risk_level: z.enum(RISK_LEVELS),
        health: z.object({ score: z.number(), band: z.enum(HEALTH_BANDS) }).nullable(),
        health_trend: z
          .array(z.number())
          .describe("Health scores of the account's last (up to 8) scored runs, oldest first"),
        priority_score: z.number().nullable(),
        needs_review: z.boolean(),
        signals: z.array(Signal),
        run: z.object({ id: z.string(), status: z.enum(RUN_STATUSES) }).nullable(),
        recommendations: z.array(
          z.object({
            id: z.string(),
            type: z.string(),
            priority: z.string(),
            confidence: z.number(),
            action: z.string(),
            status: z.string(),
            approval_id: z.string().nullable(),
          }),
        ),
      }),
    ),
    summary: z.object({
      accounts: z.number().int().describe('Accounts in scope (and of the owner asked for), before other filters'),
      by_risk: z.record(z.string(), z.number().int()),
      pending_approvals: z.number().int(),
      analyzed: z.number().int(),
    }),
    next_cursor: NextCursor,
  })
  .meta({ id: 'AccountList' });

export const RecommendationList = z
  .object({
    recommendations: z.array(
      z.object({
        id: z.string(),
        type: z.string(),
        priority: z.string(),
        confidence: z.number(),
        action: z.string(),
        status: z.string(),
        account: Named,
        owner_id: z.string().nullable(),
        run_id: z.string(),
        approval: z.object({ id: z.string(), status: z.string().nullable(), url: z.string() }).nullable(),
        created_at: iso,
        expires_at: iso,
      }),
    ),
    next_cursor: NextCursor,
  })
  .meta({ id: 'RecommendationList' });

export const ApprovalList = z
  .object({
    approvals: z.array(
      z.object({
        id: z.string(),
        url: z.string().describe('The approval page'),
        status: z.enum(APPROVAL_STATUSES),
        run_id: z.string(),
        recommendation: z.object({
          id: z.string(),
          type: z.string(),
          priority: z.string(),
          action: z.string(),
          confidence: z.number(),
        }),
        account: Named,
        owner: z.object({ id: z.string().nullable(), name: z.string().nullable() }),
        created_at: iso,
        expires_at: iso,
        decided_by: z.string().nullable(),
        decided_at: iso.nullable(),
      }),
    ),
    next_cursor: NextCursor,
  })
  .meta({ id: 'ApprovalList' });

export const RunList = z
  .object({
    runs: z.array(
      z.object({
        id: z.string(),
        url: z.string(),
        account: Named,
        status: z.enum(RUN_STATUSES),
        risk_level: z.string().nullable(),
        as_of: iso,
        requested_by: z.string().nullable(),
        started_at: iso,
        ended_at: iso.nullable(),
        error: z.string().nullable(),
      }),
    ),
    next_cursor: NextCursor,
  })
  .meta({ id: 'RunList' });

const RecommendationDetail = z.looseObject({
  id: z.string(),
  type: z.string(),
  priority: z.string(),
  confidence: z.number(),
  action: z.string(),
  rationale: z.string(),
  evidence: z.array(Evidence),
  draft: z.looseObject({ kind: z.enum(['email', 'task', 'field_update', 'note']) }).nullable(),
  requires_approval: z.boolean(),
  approval_id: z.string().nullable(),
  expires_at: iso,
  status: z.string(),
});

export const AccountAnalysis = z
  .looseObject({
    account_id: z.string(),
    account_name: z.string(),
    owner: Named,
    as_of: iso,
    run: z.looseObject({ id: z.string(), status: z.enum(RUN_STATUSES), states: z.array(z.string()) }),
    risk_level: z.enum(RISK_LEVELS),
    health: z
      .object({
        score: z.number(),
        band: z.enum(HEALTH_BANDS),
        factors: z.array(z.object({ name: z.string(), points: z.number(), evidence: z.array(Evidence) })),
      })
      .nullable(),
    priority_score: z.number().nullable(),
    needs_review: z.boolean(),
    signals: z.array(Signal),
    recommendations: z.array(RecommendationDetail),
    compliance: z.looseObject({
      approved: z.boolean(),
      risk_level: z.string(),
      pii_detected: z.array(z.unknown()),
      policy_violations: z.array(z.unknown()),
    }),
  })
  .meta({ id: 'AccountAnalysis', description: "CONTRACTS.md's analysis result" });

export const AnalysisAccepted = z
  .object({ run_id: z.string(), status_url: z.string(), run_url: z.string() })
  .meta({ id: 'AnalysisAccepted' });

export const RecommendationView = RecommendationDetail.extend({
  account_id: z.string(),
  run_id: z.string(),
  approval: z
    .object({
      id: z.string(),
      status: z.enum(APPROVAL_STATUSES),
      url: z.string(),
      payload: z.object({ module: z.string(), record: z.record(z.string(), z.unknown()) }),
      payload_hash: z.string(),
      decided_by: z.string().nullable(),
      decided_at: iso.nullable(),
    })
    .nullable(),
}).meta({ id: 'RecommendationView' });

export const DecisionResult = z
  .object({
    approvalId: z.string(),
    recommendationId: z.string(),
    runId: z.string(),
    status: z.enum(['approved', 'rejected']),
    payloadHash: z.string(),
    edited: z.boolean().optional(),
  })
  .meta({ id: 'DecisionResult' });

export const DeferResult = z
  .object({
    approvalId: z.string(),
    recommendationId: z.string(),
    runId: z.string(),
    status: z.literal('pending'),
    deferredUntil: iso,
    expiresAt: iso,
  })
  .meta({ id: 'DeferResult' });

export const BatchApproveResult = z
  .object({
    results: z.array(
      z.object({
        approvalId: z.string(),
        status: z.number().int().describe('200, 403, 404, 409 or 410: what this approval alone would answer'),
        ok: z.boolean(),
        result: DecisionResult.optional(),
        error: z.object({ code: z.string(), message: z.string() }).optional(),
      }),
    ),
    approved: z.number().int(),
    failed: z.number().int(),
  })
  .meta({ id: 'BatchApproveResult' });

export const RunView = z
  .looseObject({
    id: z.string(),
    account_id: z.string(),
    account_name: z.string().nullable().describe('Null once the account is gone from the CRM copy'),
    status: z.enum(RUN_STATUSES),
    as_of: iso,
    requested_by: z.string().nullable(),
    started_at: iso,
    ended_at: iso.nullable(),
    error: z.string().nullable(),
    states: z.array(z.string()),
    history: z.array(
      z.looseObject({
        state: z.string(),
        status: z.string(),
        started_at: iso,
        ended_at: iso.nullable(),
        duration_ms: z.number().nullable(),
      }),
    ),
    audit: z.array(z.looseObject({ action: z.string() })),
  })
  .meta({ id: 'RunView', description: 'A run and its state history, like the Step Functions console' });

export const OwnerBriefView = z
  .looseObject({
    owner: z.object({ id: z.string(), name: z.string(), time_zone: z.string() }),
    date: z.string(),
    deliver_by: iso,
    no_updates: z.boolean(),
    total_accounts: z.number().int(),
    estimated_review_minutes: z.number(),
    accounts: z.array(
      z.looseObject({
        id: z.string(),
        name: z.string(),
        risk_level: z.string(),
        priority_score: z.number(),
        actions: z.array(z.looseObject({ recommendation_id: z.string(), action: z.string() })),
      }),
    ),
    pending_approvals: z.array(z.looseObject({ id: z.string(), url: z.string(), expires_at: iso })),
  })
  .meta({ id: 'OwnerBrief' });

const DependencyStatus = z.enum(['ok', 'unavailable']);

export const HealthReport = z
  .object({
    status: z.enum(['ok', 'degraded', 'down']).describe('down (503) when the database is unavailable'),
    db: z.object({ status: DependencyStatus, kind: z.string() }),
    cache: z.object({ status: DependencyStatus, kind: z.string() }),
    crm: z.object({
      kind: z.string(),
      status: z.enum(['ok', 'degraded', 'unavailable']),
      tiers: z.array(
        z.object({ name: z.string(), state: z.string(), failures: z.number().int(), lastError: z.string().nullable() }),
      ),
      api_calls: z.number().int(),
    }),
  })
  .meta({ id: 'Health' });

/** The OpenAPI document itself is JSON this schema only sketches. */
export const OpenApiDocument = z.looseObject({
  openapi: z.string(),
  info: z.looseObject({}),
  paths: z.looseObject({}),
});
