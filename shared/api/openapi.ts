/**
 * The one registry of the HTTP API: every route of infra/function-catalog.ts with the zod schemas its
 * handler parses and answers with, turned into an OpenAPI 3.1 document (JSON Schema 2020-12 through zod's
 * `z.toJSONSchema`). A test checks that each catalog route is here and that the document validates.
 */
import { z } from 'zod';
import {
  AccountAnalysis,
  AccountList,
  AnalysisAccepted,
  AnalyzeAccountBody,
  ApprovalIdPath,
  ApprovalList,
  ApproveRecommendationBody,
  BatchApproveBody,
  BatchApproveResult,
  DecisionForm,
  DecisionResult,
  DeferBody,
  DeferResult,
  ErrorResponse,
  HealthReport,
  IdPath,
  ListAccountsQuery,
  ListApprovalsQuery,
  ListRecommendationsQuery,
  ListRunsQuery,
  OpenApiDocument,
  OwnerBriefQuery,
  OwnerBriefView,
  RecommendationList,
  RecommendationView,
  RunList,
  RunView,
  SignInForm,
  SignInQuery,
  ZohoNotification,
} from './schemas.ts';

/** Mirrors infra/function-catalog.ts's RouteAuth (shared/ may not import infra/). */
export type RouteAuth = 'cognito' | 'approval-link' | 'webhook-token' | 'public';

type MediaType = 'application/json' | 'text/html' | 'text/event-stream' | 'application/x-www-form-urlencoded';

interface ResponseDoc {
  description: string;
  schema?: z.ZodType;
  type?: MediaType;
  headers?: Record<string, string>;
}

export interface RouteDoc {
  method: 'GET' | 'POST';
  path: string;
  auth: RouteAuth;
  summary: string;
  description?: string;
  tag: 'accounts' | 'recommendations' | 'approvals' | 'runs' | 'owners' | 'events' | 'pages' | 'system';
  params?: z.ZodObject;
  query?: z.ZodObject;
  headers?: Record<string, { description: string; schema: z.ZodType }>;
  body?: { schema: z.ZodType; type: MediaType; required?: boolean };
  responses: Record<number, ResponseDoc>;
}

const html = (description: string): ResponseDoc => ({ description, type: 'text/html' });
const LastEventId = {
  'Last-Event-ID': {
    description: 'Resume after this event id (EventSource sends it when it reconnects)',
    schema: z.string().regex(/^\d+$/),
  },
};
const SseQuery = z.object({
  after: z.string().regex(/^\d+$/).optional().describe('Resume after this event id (Last-Event-ID wins)'),
});

export const ROUTES: readonly RouteDoc[] = [
  {
    method: 'GET',
    path: '/api/v1/health',
    auth: 'public',
    tag: 'system',
    summary: 'Database, cache and CRM tier status',
    responses: {
      200: { description: 'The database answers (the cache or a CRM tier may be degraded)', schema: HealthReport },
      503: { description: 'The database is down', schema: HealthReport },
    },
  },
  {
    method: 'GET',
    path: '/api/v1/openapi.json',
    auth: 'public',
    tag: 'system',
    summary: 'This document',
    responses: { 200: { description: 'OpenAPI 3.1', schema: OpenApiDocument } },
  },
  {
    method: 'GET',
    path: '/api/v1/accounts',
    auth: 'cognito',
    tag: 'accounts',
    summary: 'Accounts with their latest analysis, riskiest first',
    description: 'A rep sees their own accounts, a manager their reports’ and their own, an admin all.',
    query: ListAccountsQuery,
    responses: { 200: { description: 'A page of accounts', schema: AccountList } },
  },
  {
    method: 'POST',
    path: '/api/v1/accounts/{id}/analyze',
    auth: 'cognito',
    tag: 'accounts',
    summary: 'Start the account-analysis workflow',
    params: IdPath,
    body: { schema: AnalyzeAccountBody, type: 'application/json', required: false },
    responses: { 202: { description: 'The run started', schema: AnalysisAccepted } },
  },
  {
    method: 'GET',
    path: '/api/v1/accounts/{id}/status',
    auth: 'cognito',
    tag: 'accounts',
    summary: "The account's latest analysis",
    params: IdPath,
    responses: { 200: { description: 'The analysis result', schema: AccountAnalysis } },
  },
  {
    method: 'GET',
    path: '/api/v1/recommendations',
    auth: 'cognito',
    tag: 'recommendations',
    summary: 'Recommendations, newest first',
    query: ListRecommendationsQuery,
    responses: { 200: { description: 'A page of recommendations', schema: RecommendationList } },
  },
  {
    method: 'GET',
    path: '/api/v1/recommendations/{id}',
    auth: 'cognito',
    tag: 'recommendations',
    summary: 'One recommendation with its approval and the exact payload it writes',
    params: IdPath,
    responses: { 200: { description: 'The recommendation', schema: RecommendationView } },
  },
  {
    method: 'POST',
    path: '/api/v1/recommendations/{id}/approve',
    auth: 'cognito',
    tag: 'recommendations',
    summary: 'Approve a recommendation as the signed-in person, optionally with edits',
    description:
      'Only the account owner, their manager or an admin may decide. One decision per approval. With `edits`, the edited draft is re-checked by compliance and the approval stores (and execution writes) exactly the edited payload.',
    params: IdPath,
    body: { schema: ApproveRecommendationBody, type: 'application/json', required: false },
    responses: {
      200: { description: 'Approved; the run writes the payload to the CRM once', schema: DecisionResult },
      409: { description: 'Already decided', schema: ErrorResponse },
      410: { description: 'Expired', schema: ErrorResponse },
      422: { description: 'The edited draft breaks a compliance rule; nothing decided', schema: ErrorResponse },
    },
  },
  {
    method: 'POST',
    path: '/api/v1/approvals/batch-approve',
    auth: 'cognito',
    tag: 'approvals',
    summary: 'Approve several approvals, each atomically on its own',
    description: 'The answer lists every id with what it alone would answer (200, 403, 404, 409, 410).',
    body: { schema: BatchApproveBody, type: 'application/json' },
    responses: { 200: { description: 'Per-id results', schema: BatchApproveResult } },
  },
  {
    method: 'POST',
    path: '/api/v1/approvals/{id}/defer',
    auth: 'cognito',
    tag: 'approvals',
    summary: 'Defer an approval by 1–30 days: it stays pending and its expiry moves as many days later',
    params: IdPath,
    body: { schema: DeferBody, type: 'application/json' },
    responses: {
      200: { description: 'Deferred', schema: DeferResult },
      403: { description: 'Not the owner, their manager or an admin', schema: ErrorResponse },
      409: { description: 'Already decided', schema: ErrorResponse },
      410: { description: 'Expired', schema: ErrorResponse },
    },
  },
  {
    method: 'GET',
    path: '/api/v1/approvals',
    auth: 'cognito',
    tag: 'approvals',
    summary: 'The approval queue, oldest first',
    query: ListApprovalsQuery,
    responses: { 200: { description: 'A page of approvals', schema: ApprovalList } },
  },
  {
    method: 'GET',
    path: '/api/v1/runs',
    auth: 'cognito',
    tag: 'runs',
    summary: 'Analysis runs, newest first',
    query: ListRunsQuery,
    responses: { 200: { description: 'A page of runs', schema: RunList } },
  },
  {
    method: 'GET',
    path: '/api/v1/runs/{id}',
    auth: 'cognito',
    tag: 'runs',
    summary: "A run's state history and audit trail",
    params: IdPath,
    responses: { 200: { description: 'The run', schema: RunView } },
  },
  {
    method: 'GET',
    path: '/api/v1/runs/{id}/events',
    auth: 'cognito',
    tag: 'events',
    summary: "One run's AG-UI events as server-sent events",
    params: IdPath,
    query: SseQuery,
    headers: LastEventId,
    responses: { 200: { description: 'AG-UI events, one per SSE message', type: 'text/event-stream' } },
  },
  {
    method: 'GET',
    path: '/api/v1/events',
    auth: 'cognito',
    tag: 'events',
    summary: "Every run's AG-UI events as server-sent events",
    query: SseQuery,
    headers: LastEventId,
    responses: { 200: { description: 'AG-UI events, one per SSE message', type: 'text/event-stream' } },
  },
  {
    method: 'GET',
    path: '/api/v1/owners/{id}/brief',
    auth: 'cognito',
    tag: 'owners',
    summary: "An account owner's daily brief",
    params: IdPath,
    query: OwnerBriefQuery,
    responses: { 200: { description: 'The brief', schema: OwnerBriefView } },
  },
  {
    method: 'GET',
    path: '/approvals/{approvalId}',
    auth: 'approval-link',
    tag: 'pages',
    summary: 'The approval page (shows; never decides)',
    description: 'Mail scanners prefetch links, so GET only shows the recommendation and the decision form.',
    params: ApprovalIdPath,
    responses: { 200: html('The approval page'), 404: html('Unknown approval') },
  },
  {
    method: 'POST',
    path: '/approvals/{approvalId}',
    auth: 'approval-link',
    tag: 'pages',
    summary: 'Decide an approval as the signed-in person',
    params: ApprovalIdPath,
    body: { schema: DecisionForm, type: 'application/x-www-form-urlencoded' },
    responses: {
      200: html('Decided'),
      400: html('The form was incomplete'),
      401: html('Not signed in'),
      403: html('Only the account owner, their manager or an admin may decide'),
      404: html('Unknown approval'),
      409: html('Already decided'),
      410: html('Expired'),
    },
  },
  {
    method: 'GET',
    path: '/sign-in',
    auth: 'public',
    tag: 'pages',
    summary: 'The sign-in page: paste a token to get a session cookie',
    query: SignInQuery,
    responses: { 200: html('The sign-in form') },
  },
  {
    method: 'POST',
    path: '/sign-in',
    auth: 'public',
    tag: 'pages',
    summary: 'Sign in (sets an HttpOnly, SameSite=Strict session cookie) or sign out',
    body: { schema: SignInForm, type: 'application/x-www-form-urlencoded' },
    responses: {
      303: { description: 'Signed in or out; back to `next`', headers: { 'Set-Cookie': 'The session cookie' } },
      400: html('The form was incomplete'),
      401: html('The token was refused'),
    },
  },
  {
    method: 'GET',
    path: '/runs/{id}',
    auth: 'public',
    tag: 'pages',
    summary: "A run's timeline, like the Step Functions console (the page reads /api/v1/runs/{id} with the session)",
    params: IdPath,
    responses: { 200: html('The run timeline page') },
  },
  {
    method: 'GET',
    path: '/owners/{id}/brief',
    auth: 'public',
    tag: 'pages',
    summary: "An owner's daily brief (the page reads /api/v1/owners/{id}/brief with the session)",
    params: IdPath,
    responses: { 200: html('The owner brief page') },
  },
  {
    method: 'GET',
    path: '/',
    auth: 'public',
    tag: 'pages',
    summary: 'The dashboard shell (it calls /api/v1 with the session)',
    responses: { 200: html('The dashboard') },
  },
  {
    method: 'POST',
    path: '/mcp',
    auth: 'cognito',
    tag: 'system',
    summary: 'The MCP server (Streamable HTTP, stateless, JSON responses) for Claude Desktop and other agents',
    description:
      'JSON-RPC 2.0 messages of the Model Context Protocol; tools: list_at_risk_accounts, get_account_analysis, list_recommendations, list_pending_approvals, approve_recommendation, edit_and_approve_recommendation, reject_recommendation, defer_approval.',
    body: { schema: z.looseObject({}).describe('A JSON-RPC 2.0 message or batch'), type: 'application/json' },
    responses: {
      200: { description: 'The JSON-RPC response', schema: z.looseObject({}) },
      202: { description: 'Accepted (a notification)' },
    },
  },
  {
    method: 'POST',
    path: '/api/webhooks/zoho',
    auth: 'webhook-token',
    tag: 'system',
    summary: "Zoho's notification callback",
    description:
      'Authenticated by the verification token registered with the notification channel. On AWS the notification is queued and applied shortly (202); without a queue it is applied before the answer (200).',
    body: { schema: ZohoNotification, type: 'application/json' },
    responses: {
      200: { description: 'Applied to the CRM copy', schema: z.looseObject({}) },
      202: {
        description: 'Queued; applied to the CRM copy shortly',
        schema: z.object({ queued: z.literal(true), messageId: z.string() }),
      },
    },
  },
];

const ERROR_REF = { $ref: '#/components/schemas/Error' };

/** JSON Schema for `schema`, its named parts moved to components; `input` for requests, `output` for responses. */
function toSchema(schema: z.ZodType, io: 'input' | 'output', components: Record<string, unknown>): unknown {
  const {
    $schema: _dialect,
    $defs,
    ...rest
  } = z.toJSONSchema(schema, {
    io,
    target: 'draft-2020-12',
    unrepresentable: 'any',
    reused: 'inline',
  }) as Record<string, unknown> & { $defs?: Record<string, unknown> };
  const relink = (value: unknown): unknown =>
    JSON.parse(JSON.stringify(value).replaceAll('"#/$defs/', '"#/components/schemas/'));
  // Named schemas (`.meta({ id })`) come back in $defs, a named root as a bare reference to itself.
  for (const [name, def] of Object.entries($defs ?? {})) components[name] = relink(def);
  return relink(rest);
}

function parametersOf(route: RouteDoc, components: Record<string, unknown>) {
  const fromObject = (schema: z.ZodObject | undefined, where: 'path' | 'query') => {
    if (!schema) return [];
    const json = toSchema(schema, 'input', components) as {
      properties?: Record<string, { description?: string }>;
      required?: string[];
    };
    return Object.entries(json.properties ?? {}).map(([name, property]) => {
      const { description, ...rest } = property;
      return {
        name,
        in: where,
        required: where === 'path' || (json.required ?? []).includes(name),
        ...(description ? { description } : {}),
        schema: rest,
      };
    });
  };
  const headers = Object.entries(route.headers ?? {}).map(([name, header]) => ({
    name,
    in: 'header',
    required: false,
    description: header.description,
    schema: toSchema(header.schema, 'input', components),
  }));
  return [...fromObject(route.params, 'path'), ...fromObject(route.query, 'query'), ...headers];
}

function responsesOf(route: RouteDoc, components: Record<string, unknown>) {
  const responses: Record<string, unknown> = {};
  for (const [status, doc] of Object.entries(route.responses)) {
    const type = doc.type ?? 'application/json';
    const schema = doc.schema
      ? toSchema(doc.schema, 'output', components)
      : type === 'text/html'
        ? { type: 'string' }
        : undefined;
    responses[status] = {
      description: doc.description,
      ...(doc.headers
        ? {
            headers: Object.fromEntries(
              Object.entries(doc.headers).map(([name, description]) => [
                name,
                { description, schema: { type: 'string' } },
              ]),
            ),
          }
        : {}),
      ...(schema || type === 'text/event-stream' ? { content: { [type]: schema ? { schema } : {} } } : {}),
    };
  }
  // The failures every route of its kind can have, in the error shape.
  const errors: [number, string, boolean][] = [
    [400, 'Bad input; the message names the field', Boolean(route.params || route.query || route.body)],
    [401, 'No valid token or session', route.auth === 'cognito'],
    [404, 'Not found, or not yours to see', Boolean(route.params)],
    [413, 'Body larger than 64 KB', Boolean(route.body)],
    [429, 'More than the per-person rate limit (60 requests a minute)', route.auth !== 'public'],
    [500, 'Something went wrong on our side', true],
  ];
  for (const [status, description, applies] of errors) {
    if (!applies) continue;
    responses[status] ??= {
      description,
      ...(status === 429
        ? { headers: { 'Retry-After': { description: 'Seconds', schema: { type: 'integer' } } } }
        : {}),
      content: { 'application/json': { schema: ERROR_REF } },
    };
  }
  return responses;
}

const SECURITY: Record<RouteAuth, unknown[]> = {
  cognito: [{ bearer: [] }, { session: [] }],
  'approval-link': [{}, { bearer: [] }, { session: [] }],
  'webhook-token': [],
  public: [],
};

/** The OpenAPI 3.1 document of every route in ROUTES. */
export function openApiDocument(options: { serverUrl?: string } = {}) {
  const components: Record<string, unknown> = {};
  toSchema(ErrorResponse, 'output', components);
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of ROUTES) {
    const operation = {
      operationId: `${route.method.toLowerCase()}${route.path.replace(/[{}]/g, '').replace(/(^|[/._-])(\w)/g, (_m, _s, c: string) => c.toUpperCase())}`,
      tags: [route.tag],
      summary: route.summary,
      ...(route.description ? { description: route.description } : {}),
      ...(SECURITY[route.auth].length > 0 ? { security: SECURITY[route.auth] } : { security: [] }),
      'x-sergas-auth': route.auth,
      parameters: parametersOf(route, components),
      ...(route.body
        ? {
            requestBody: {
              required: route.body.required ?? true,
              content: { [route.body.type]: { schema: toSchema(route.body.schema, 'input', components) } },
            },
          }
        : {}),
      responses: responsesOf(route, components),
    };
    paths[route.path] = { ...paths[route.path], [route.method.toLowerCase()]: operation };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Sergas API',
      version: '1.0.0',
      description:
        'Account-management copilot for Zoho CRM. Errors are `{"error": {"code", "message", "details"}}`; lists page with `limit` (≤ 100) and `next_cursor`.',
    },
    servers: [{ url: options.serverUrl ?? '/' }],
    tags: [...new Set(ROUTES.map((route) => route.tag))].map((name) => ({ name })),
    paths,
    components: {
      schemas: components,
      securitySchemes: {
        bearer: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description: 'A Cognito ID token on AWS; locally the token `sergas user create` prints',
        },
        session: {
          type: 'apiKey',
          in: 'cookie',
          name: 'sergas_session',
          description: 'Set by the /sign-in page (HttpOnly, SameSite=Strict)',
        },
      },
    },
  };
}
