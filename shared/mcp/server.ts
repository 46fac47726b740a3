import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { ZodError, z } from 'zod';
import {
  type APPROVAL_STATUSES,
  DraftEditsBody,
  RECOMMENDATION_STATUSES,
  RECOMMENDATION_TYPES,
  RISK_LEVELS,
} from '../api/schemas.ts';
import type { AccessScope } from '../auth/access-scope.ts';
import type { Principal } from '../auth/principal.ts';
import type { DraftEdits } from '../domain/approval-policy.ts';
import { AppError } from '../errors.ts';
import type { Container } from '../runtime/container.ts';
import { logger } from '../runtime/observability.ts';
import { getAccountAnalysis, listAccountSummaries } from '../use-cases/account-views.ts';
import { DEFER_DAYS } from '../use-cases/decide-approval.ts';
import { decideApprovalAs, deferApprovalAs } from '../use-cases/decide-approval-as.ts';
import { listApprovals, listRecommendations } from '../use-cases/list-views.ts';

/** Who the MCP server acts for, and with what. */
export interface McpContext {
  deps: Container;
  principal: Principal;
  /** Whose accounts the principal may see (resolved once per server). */
  scope(): Promise<AccessScope>;
  /** Lets a resumed run settle after a decision (the local engine); nothing on AWS. */
  settle?: () => Promise<void>;
}

export const MCP_TOOLS = [
  'list_at_risk_accounts',
  'get_account_analysis',
  'list_recommendations',
  'list_pending_approvals',
  'approve_recommendation',
  'edit_and_approve_recommendation',
  'reject_recommendation',
  'defer_approval',
] as const;

// Riskiest first: a minimum level keeps it and everything before it.
const RISK_DESCENDING = ['critical', 'high', 'medium', 'low', 'none'] as const;
const atLeast = (level: string, min: string) =>
  RISK_DESCENDING.indexOf(level as (typeof RISK_DESCENDING)[number]) <=
  RISK_DESCENDING.indexOf(min as (typeof RISK_DESCENDING)[number]);
const SEVERITY_RANK: Record<string, number> = { critical: 0, high: 1, medium: 2, low: 3 };

const crmId = z.string().min(1).max(100);
const limit = z.number().int().min(1).max(100);
const approvalId = z.string().min(1).max(64).describe('The approval id (list_pending_approvals)');
// Bad input is a tool error the SDK words as "<message> at <field>", so each message reads well before it.
const rejectionReason = z
  .string({ error: 'a rejection needs a reason (1–2000 characters)' })
  .trim()
  .min(1, { error: 'a rejection needs a reason (1–2000 characters)' })
  .max(2000, { error: 'a reason is at most 2000 characters' });
const DEFER_RANGE = `a whole number of days from ${DEFER_DAYS.min} to ${DEFER_DAYS.max}`;
const deferDays = z
  .number({ error: `defer by ${DEFER_RANGE}` })
  .int({ error: `defer by ${DEFER_RANGE}` })
  .min(DEFER_DAYS.min, { error: `defer by ${DEFER_RANGE}` })
  .max(DEFER_DAYS.max, { error: `defer by ${DEFER_RANGE}` });
// The API's `edits` body, inlined (no schema id) so the tool's JSON Schema has no $ref for clients to chase.
const Edits = z.strictObject(DraftEditsBody.shape);

const AtRiskAccount = z.object({
  id: z.string(),
  name: z.string(),
  owner: z.object({ id: z.string(), name: z.string() }),
  risk_level: z.enum(RISK_LEVELS),
  health: z.object({ score: z.number(), band: z.string() }).nullable(),
  priority_score: z.number().nullable(),
  needs_review: z.boolean(),
  top_signals: z.array(z.object({ type: z.string(), severity: z.string(), detail: z.string() })),
  pending_approvals: z.array(z.string()).describe('Ids of pending approvals of its latest run'),
  run_id: z.string().nullable(),
});

// Output schemas name the fields a client can rely on and allow more (the API's schemas forbid extra keys in
// JSON Schema, so a field added to a view would otherwise break every MCP client).
const Named = z.looseObject({ id: z.string().nullable(), name: z.string().nullable() });
const Analysis = z.looseObject({
  account_id: z.string(),
  account_name: z.string(),
  owner: Named,
  as_of: z.string(),
  run: z.looseObject({ id: z.string(), status: z.string(), states: z.array(z.string()) }),
  risk_level: z.enum(RISK_LEVELS),
  health: z.looseObject({ score: z.number(), band: z.string() }).nullable(),
  priority_score: z.number().nullable(),
  needs_review: z.boolean(),
  signals: z.array(z.looseObject({ type: z.string(), severity: z.string(), detail: z.string() })),
  recommendations: z.array(
    z.looseObject({ id: z.string(), type: z.string(), status: z.string(), approval_id: z.string().nullable() }),
  ),
  compliance: z.looseObject({ approved: z.boolean() }),
});
const RecommendationPage = z.looseObject({
  recommendations: z.array(
    z.looseObject({
      id: z.string(),
      type: z.string(),
      priority: z.string(),
      action: z.string(),
      status: z.string(),
      account: Named,
      approval: z.looseObject({ id: z.string(), status: z.string().nullable() }).nullable(),
    }),
  ),
  next_cursor: z.string().nullable(),
});
const ApprovalPage = z.looseObject({
  approvals: z.array(
    z.looseObject({
      id: z.string(),
      status: z.string(),
      run_id: z.string(),
      recommendation: z.looseObject({ id: z.string(), type: z.string(), action: z.string() }),
      account: Named,
      owner: Named,
      expires_at: z.string(),
    }),
  ),
  next_cursor: z.string().nullable(),
});

const Decided = z.object({
  approvalId: z.string(),
  recommendationId: z.string(),
  runId: z.string(),
  status: z.enum(['approved', 'rejected']),
  payloadHash: z.string(),
  edited: z.boolean().optional().describe('Approved with edits: the payload hash is that of the edited draft'),
  run_status: z.string().nullable().describe("The run's status once it has resumed"),
});

const Deferred = z.object({
  approvalId: z.string(),
  recommendationId: z.string(),
  runId: z.string(),
  status: z.literal('pending'),
  deferredUntil: z.string(),
  expiresAt: z.string(),
});

const text = (summary: string, structured: Record<string, unknown>): CallToolResult => ({
  content: [{ type: 'text', text: summary }],
  structuredContent: structured,
});

/** A refusal (403/404/409/410/…) or bad input is a tool error carrying its message; nothing is thrown. */
export function toolError(error: unknown): CallToolResult {
  let message: string;
  if (error instanceof AppError && error.expose) message = `${error.code}: ${error.message}`;
  else if (error instanceof ZodError) message = `VALIDATION_FAILED: ${error.issues.map((i) => i.message).join('; ')}`;
  else {
    logger.error('MCP tool failed', error as Error);
    message = 'INTERNAL: Something went wrong on our side';
  }
  return { isError: true, content: [{ type: 'text', text: message }] };
}

const guarded =
  <A>(run: (args: A) => Promise<CallToolResult>) =>
  async (args: A): Promise<CallToolResult> => {
    try {
      return await run(args);
    } catch (error) {
      return toolError(error);
    }
  };

/** The Sergas MCP server: the same use cases and access rules as the API, as the context's principal. */
export function createMcpServer(context: McpContext): McpServer {
  const { deps, principal } = context;
  const server = new McpServer(
    { name: 'sergas', version: '0.1.0' },
    {
      instructions:
        'Sergas: account-management copilot on Zoho CRM. List at-risk accounts, read an analysis, and list, approve (as drafted or with edits), reject or defer recommendations. You act as ' +
        `${principal.name} (${principal.role}) and see only their accounts.`,
    },
  );

  server.registerTool(
    'list_at_risk_accounts',
    {
      title: 'At-risk accounts',
      description: 'Accounts you may see whose latest analysis is at least `risk_level` (default low), riskiest first.',
      inputSchema: {
        risk_level: z.enum(RISK_LEVELS).optional().describe('Minimum risk level (default low)'),
        owner_id: crmId.optional().describe('Only this account owner (Zoho user id)'),
        limit: limit.optional().describe('At most this many (default 20, max 100)'),
      },
      outputSchema: { accounts: z.array(AtRiskAccount), total: z.number().int() },
      annotations: { readOnlyHint: true },
    },
    guarded(async (args) => {
      const page = await listAccountSummaries(deps, { scope: await context.scope(), ownerId: args.owner_id });
      const min = args.risk_level ?? 'low';
      const matching = page.accounts.filter((account) => atLeast(account.risk_level, min));
      const accounts = matching.slice(0, args.limit ?? 20).map((account) => ({
        id: account.id,
        name: account.name,
        owner: account.owner,
        risk_level: account.risk_level,
        health: account.health,
        priority_score: account.priority_score,
        needs_review: account.needs_review,
        top_signals: [...account.signals]
          .sort((x, y) => (SEVERITY_RANK[x.severity] ?? 9) - (SEVERITY_RANK[y.severity] ?? 9))
          .slice(0, 3)
          .map((s) => ({ type: s.type, severity: s.severity, detail: s.detail })),
        pending_approvals: account.recommendations.flatMap((r) => (r.approval_id ? [r.approval_id] : [])),
        run_id: account.run?.id ?? null,
      }));
      const lines = accounts.map(
        (a) =>
          `- ${a.name} (${a.id}): ${a.risk_level} risk, health ${a.health ? `${a.health.score} ${a.health.band}` : 'n/a'}, priority ${a.priority_score ?? 'n/a'}`,
      );
      return text(
        [
          `${matching.length} account(s) at ${min} risk or above${accounts.length < matching.length ? `, showing ${accounts.length}` : ''}.`,
          ...lines,
        ].join('\n'),
        { accounts, total: matching.length },
      );
    }),
  );

  server.registerTool(
    'get_account_analysis',
    {
      title: 'Account analysis',
      description: "An account's latest analysis: risk, health, signals, recommendations, memory and compliance.",
      inputSchema: { account_id: crmId.describe('The Zoho account id') },
      outputSchema: Analysis,
      annotations: { readOnlyHint: true },
    },
    guarded(async (args) => {
      const analysis = await getAccountAnalysis(deps, args.account_id, undefined, await context.scope());
      return text(
        `${analysis.account_name}: ${analysis.risk_level} risk, health ${analysis.health ? `${analysis.health.score} (${analysis.health.band})` : 'n/a'}, ` +
          `${analysis.signals.length} signal(s), ${analysis.recommendations.length} recommendation(s); run ${analysis.run.id} is ${analysis.run.status}.`,
        analysis as unknown as Record<string, unknown>,
      );
    }),
  );

  server.registerTool(
    'list_recommendations',
    {
      title: 'Recommendations',
      description: 'Recommendations you may see, newest first, by status, type or account.',
      inputSchema: {
        status: z.enum(RECOMMENDATION_STATUSES).optional(),
        type: z.enum(RECOMMENDATION_TYPES).optional(),
        account_id: crmId.optional(),
        limit: limit.optional().describe('Default 20, max 100'),
        cursor: z.string().max(500).optional().describe('next_cursor of the previous page'),
      },
      outputSchema: RecommendationPage,
      annotations: { readOnlyHint: true },
    },
    guarded(async (args) => {
      const page = await listRecommendations(deps, {
        scope: await context.scope(),
        limit: args.limit ?? 20,
        cursor: args.cursor,
        status: args.status,
        type: args.type,
        accountId: args.account_id,
      });
      const lines = page.recommendations.map(
        (r) => `- ${r.id} [${r.status}] ${r.type} (${r.priority}) on ${r.account.name}: ${r.action}`,
      );
      return text([`${page.recommendations.length} recommendation(s).`, ...lines].join('\n'), page);
    }),
  );

  server.registerTool(
    'list_pending_approvals',
    {
      title: 'Pending approvals',
      description: 'Approvals waiting for a decision that you may decide, oldest first.',
      inputSchema: {
        account_id: crmId.optional(),
        limit: limit.optional().describe('Default 20, max 100'),
        cursor: z.string().max(500).optional().describe('next_cursor of the previous page'),
      },
      outputSchema: ApprovalPage,
      annotations: { readOnlyHint: true },
    },
    guarded(async (args) => {
      const page = await listApprovals(deps, {
        scope: await context.scope(),
        limit: args.limit ?? 20,
        cursor: args.cursor,
        status: 'pending' satisfies (typeof APPROVAL_STATUSES)[number],
        accountId: args.account_id,
      });
      const lines = page.approvals.map(
        (a) => `- ${a.id}: ${a.recommendation.type} on ${a.account.name}, expires ${a.expires_at}`,
      );
      return text([`${page.approvals.length} pending approval(s).`, ...lines].join('\n'), page);
    }),
  );

  const decide = async (
    approvalId: string,
    decision: 'approve' | 'approve_with_edits' | 'reject',
    reason: string | undefined,
    edits?: DraftEdits,
  ) => {
    const result = await decideApprovalAs(deps, {
      approvalId,
      decision,
      channel: 'mcp',
      ...(reason ? { reason } : {}),
      ...(edits ? { edits } : {}),
      principal,
      scope: await context.scope(),
    });
    await context.settle?.();
    const run = await deps.runs.get(result.runId);
    const decided = { ...result, run_status: run?.status ?? null };
    return text(
      `${result.status}${result.edited ? ' with edits' : ''} approval ${result.approvalId} (recommendation ${result.recommendationId}); run ${result.runId} is ${decided.run_status ?? 'unknown'}.`,
      decided,
    );
  };

  server.registerTool(
    'approve_recommendation',
    {
      title: 'Approve',
      description:
        'Approve a pending approval: the run writes exactly the approved payload to Zoho, once. Only the account owner, their manager or an admin may.',
      inputSchema: { approval_id: approvalId, reason: z.string().max(2000).optional() },
      outputSchema: Decided,
      annotations: { destructiveHint: true, idempotentHint: false },
    },
    guarded((args) => decide(args.approval_id, 'approve', args.reason)),
  );

  server.registerTool(
    'edit_and_approve_recommendation',
    {
      title: 'Approve with edits',
      description:
        "Approve a pending approval with edits to its draft (an e-mail's subject/body, a task's subject/description/dueDate, " +
        "a note's title/content, a field update's value). The edited draft is re-checked by compliance: a violation is a " +
        'tool error naming it, and nothing is decided. The run then writes exactly the edited payload to Zoho, once.',
      inputSchema: {
        approval_id: approvalId,
        edits: Edits.describe('The fields to change; at least one'),
        reason: z.string().max(2000).optional(),
      },
      outputSchema: Decided,
      annotations: { destructiveHint: true, idempotentHint: false },
    },
    guarded((args) => decide(args.approval_id, 'approve_with_edits', args.reason, args.edits)),
  );

  server.registerTool(
    'reject_recommendation',
    {
      title: 'Reject',
      description: 'Reject a pending approval (reason required): nothing is written to Zoho.',
      inputSchema: { approval_id: approvalId, reason: rejectionReason.describe('Why (kept in the audit trail)') },
      outputSchema: Decided,
      annotations: { destructiveHint: false, idempotentHint: false },
    },
    guarded((args) => decide(args.approval_id, 'reject', args.reason)),
  );

  server.registerTool(
    'defer_approval',
    {
      title: 'Defer',
      description: `Defer a pending approval by ${DEFER_RANGE}: it stays pending and its expiry moves that many days later.`,
      inputSchema: {
        approval_id: approvalId,
        days: deferDays.describe(`Snooze the decision this many days (${DEFER_DAYS.min}–${DEFER_DAYS.max})`),
        reason: z.string().trim().max(2000).optional().describe('Why (kept in the audit trail)'),
      },
      outputSchema: Deferred,
      annotations: { destructiveHint: false, idempotentHint: false },
    },
    guarded(async (args) => {
      const result = await deferApprovalAs(deps, {
        approvalId: args.approval_id,
        days: args.days,
        channel: 'mcp',
        ...(args.reason ? { reason: args.reason } : {}),
        principal,
        scope: await context.scope(),
      });
      return text(
        `deferred approval ${result.approvalId} (recommendation ${result.recommendationId}) until ${result.deferredUntil.slice(0, 10)}; it now expires ${result.expiresAt}.`,
        { ...result },
      );
    }),
  );

  return server;
}
