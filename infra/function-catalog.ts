/**
 * Every Lambda function Sergas deploys: where its handler lives, how it is reached and what it may touch.
 * The stateless stack builds one AppFunction per entry and applies exactly the listed bindings, so this
 * file is the place to read (and review) each function's permissions.
 */

/** What a function may use beyond the environment every function gets. */
export type Binding =
  | 'database' // read the DB secret; network access to the RDS Proxy is granted to all functions by SG
  | 'redis' // read the Redis AUTH token secret
  | 'zoho' // read the Zoho OAuth secret
  | 'anthropic' // read the Anthropic API key secret
  | 'embeddings' // invoke the Bedrock embedding model
  | 'audit-write' // append to the audit archive (Object Lock: writes only, never deletes)
  | 'exports-write' // write and read exports
  | 'runs-start' // states:StartExecution on the account-analysis state machine
  | 'runs-respond' // states:SendTaskSuccess/SendTaskFailure for approvals
  | 'runs-read' // describe executions and read their history
  | 'notify' // message people: ses:SendEmail as the configured identity (if e-mail is on), read the Slack secret
  | 'notification-queue'; // sqs:SendMessage on the Zoho notification queue (the webhook hands notifications over)

/**
 * How an API route is authenticated. Only `cognito` is enforced by API Gateway; the others are checked
 * by the function because the caller cannot hold a Cognito token:
 * - `approval-link`: a person following an e-mailed link; the short random single-use approval id in
 *   the path is the credential (GET only shows, POST decides once);
 * - `webhook-token`: Zoho notifications carry the verification token we registered with the channel;
 * - `public`: returns no account data (health probe, the OpenAPI document, the dashboard shell and the
 *   sign-in page, which turns a token into an HttpOnly session cookie).
 */
export type RouteAuth = 'cognito' | 'approval-link' | 'webhook-token' | 'public';

export interface RouteSpec {
  readonly method: 'GET' | 'POST';
  /** Path under the API root, `{name}` for path parameters. */
  readonly path: string;
  readonly auth: RouteAuth;
  /**
   * Server-sent events: API Gateway invokes the function with InvokeWithResponseStream and passes each
   * chunk on (integration response transfer mode STREAM); the module exports `streamHandler` too, which
   * the local API server calls with the response.
   */
  readonly streaming?: true;
}

export interface FunctionSpec {
  /** Kebab-case id; also the bundle directory and the suffix of the deployed function name. */
  readonly id: string;
  /** Handler module relative to the repository root; it must export `handler`. */
  readonly entry: string;
  readonly binds: readonly Binding[];
  readonly route?: RouteSpec;
  /** The `${…FunctionArn}` placeholder this function fills in the ASL of `aslMachine`. */
  readonly aslPlaceholder?: string;
  /** The state machine whose ASL has `aslPlaceholder`: statemachines/account-analysis.asl.json when absent. */
  readonly aslMachine?: 'batch-analysis';
  readonly memoryMiB?: number;
  readonly timeoutSeconds?: number;
  /** Applied only where the stage allows reserved concurrency (see StageSettings.reserveConcurrency). */
  readonly reservedConcurrency?: number;
  /** Invoked by EventBridge Scheduler. */
  readonly schedule?:
    | 'daily-full-sync'
    | 'hourly-incremental-sync'
    | 'notification-channel-check'
    | 'hourly-approval-reminders'
    | 'hourly-owner-briefs';
  /**
   * Invoked by an SQS event source mapping on this queue, in batches; the handler reports the messages
   * it could not process (ReportBatchItemFailures) so only those are retried.
   */
  readonly consumes?: 'zoho-notifications';
}

// API Gateway gives up after 29 s, so an API function that runs longer only burns money.
const API_TIMEOUT = 29;
// Below the ASL TimeoutSeconds (120) so a slow task fails as a Lambda timeout, which the ASL can tell apart.
const TASK_TIMEOUT = 100;
// API Gateway streams a response for at most 15 minutes.
export const STREAM_TIMEOUT = 900;
// Open event streams may not starve the API and the workflow of concurrency.
const STREAM_CONCURRENCY = 20;

export const FUNCTIONS: readonly FunctionSpec[] = [
  // API: one function per route. Every route that serves a signed-in person binds `redis`: the per-person
  // rate limit (60 requests a minute) is counted there, shared by all functions and their instances.
  {
    id: 'api-health',
    entry: 'functions/api/health.ts',
    binds: ['database', 'redis'],
    route: { method: 'GET', path: '/api/v1/health', auth: 'public' },
    timeoutSeconds: 10,
  },
  {
    id: 'api-openapi',
    entry: 'functions/api/openapi.ts',
    // The document is built from the zod schemas bundled in; the function touches nothing else.
    binds: [],
    route: { method: 'GET', path: '/api/v1/openapi.json', auth: 'public' },
    timeoutSeconds: 10,
  },
  {
    id: 'api-list-accounts',
    entry: 'functions/api/list-accounts.ts',
    binds: ['database', 'redis'],
    route: { method: 'GET', path: '/api/v1/accounts', auth: 'cognito' },
  },
  {
    id: 'api-analyze-account',
    entry: 'functions/api/analyze-account.ts',
    binds: ['database', 'redis', 'runs-start'],
    route: { method: 'POST', path: '/api/v1/accounts/{id}/analyze', auth: 'cognito' },
  },
  {
    id: 'api-get-account-status',
    entry: 'functions/api/get-account-status.ts',
    binds: ['database', 'redis', 'runs-read'],
    route: { method: 'GET', path: '/api/v1/accounts/{id}/status', auth: 'cognito' },
  },
  {
    id: 'api-list-recommendations',
    entry: 'functions/api/list-recommendations.ts',
    binds: ['database', 'redis'],
    route: { method: 'GET', path: '/api/v1/recommendations', auth: 'cognito' },
  },
  {
    id: 'api-get-recommendation',
    entry: 'functions/api/get-recommendation.ts',
    binds: ['database', 'redis'],
    route: { method: 'GET', path: '/api/v1/recommendations/{id}', auth: 'cognito' },
  },
  {
    id: 'api-approve-recommendation',
    entry: 'functions/api/approve-recommendation.ts',
    binds: ['database', 'redis', 'runs-respond', 'audit-write'],
    route: { method: 'POST', path: '/api/v1/recommendations/{id}/approve', auth: 'cognito' },
  },
  {
    id: 'api-batch-approve',
    entry: 'functions/api/batch-approve.ts',
    binds: ['database', 'redis', 'runs-respond', 'audit-write'],
    route: { method: 'POST', path: '/api/v1/approvals/batch-approve', auth: 'cognito' },
  },
  {
    id: 'api-defer-approval',
    entry: 'functions/api/defer-approval.ts',
    binds: ['database', 'redis', 'audit-write'],
    route: { method: 'POST', path: '/api/v1/approvals/{id}/defer', auth: 'cognito' },
  },
  {
    id: 'api-list-approvals',
    entry: 'functions/api/list-approvals.ts',
    binds: ['database', 'redis'],
    route: { method: 'GET', path: '/api/v1/approvals', auth: 'cognito' },
  },
  {
    id: 'api-list-runs',
    entry: 'functions/api/list-runs.ts',
    binds: ['database', 'redis'],
    route: { method: 'GET', path: '/api/v1/runs', auth: 'cognito' },
  },
  {
    id: 'api-get-run',
    entry: 'functions/api/get-run.ts',
    binds: ['database', 'redis', 'runs-read'],
    route: { method: 'GET', path: '/api/v1/runs/{id}', auth: 'cognito' },
  },
  {
    id: 'api-get-owner-brief',
    entry: 'functions/api/get-owner-brief.ts',
    binds: ['database', 'redis'],
    route: { method: 'GET', path: '/api/v1/owners/{id}/brief', auth: 'cognito' },
  },
  // AG-UI event streams (SSE). A stream lasts up to API Gateway's 15 minutes; it ends before the function's
  // timeout and the client resumes with Last-Event-ID. Each open stream holds one concurrent execution.
  {
    id: 'stream-run-events',
    entry: 'functions/streams/run-events.ts',
    binds: ['database'],
    route: { method: 'GET', path: '/api/v1/runs/{id}/events', auth: 'cognito', streaming: true },
    timeoutSeconds: STREAM_TIMEOUT,
    reservedConcurrency: STREAM_CONCURRENCY,
  },
  {
    id: 'stream-events',
    entry: 'functions/streams/all-events.ts',
    binds: ['database'],
    route: { method: 'GET', path: '/api/v1/events', auth: 'cognito', streaming: true },
    timeoutSeconds: STREAM_TIMEOUT,
    reservedConcurrency: STREAM_CONCURRENCY,
  },
  {
    id: 'api-approval-page',
    entry: 'functions/api/approval-page.ts',
    binds: ['database', 'redis'],
    route: { method: 'GET', path: '/approvals/{approvalId}', auth: 'approval-link' },
  },
  {
    id: 'api-decide-approval',
    entry: 'functions/api/decide-approval.ts',
    binds: ['database', 'redis', 'runs-respond', 'audit-write'],
    route: { method: 'POST', path: '/approvals/{approvalId}', auth: 'approval-link' },
  },
  {
    id: 'api-sign-in-page',
    entry: 'functions/api/sign-in-page.ts',
    // The container (opened on every cold start) needs the database; the page itself reads nothing.
    binds: ['database'],
    route: { method: 'GET', path: '/sign-in', auth: 'public' },
  },
  {
    id: 'api-sign-in',
    entry: 'functions/api/sign-in.ts',
    binds: ['database'],
    route: { method: 'POST', path: '/sign-in', auth: 'public' },
  },
  {
    id: 'api-dashboard',
    entry: 'functions/api/dashboard.ts',
    // The container (opened on every cold start) needs the database; the shell itself reads nothing.
    binds: ['database'],
    route: { method: 'GET', path: '/', auth: 'public' },
  },
  {
    id: 'api-run-page',
    entry: 'functions/api/run-page.ts',
    // A shell like the dashboard: its script reads /api/v1/runs/{id} with the session cookie.
    binds: ['database'],
    route: { method: 'GET', path: '/runs/{id}', auth: 'public' },
  },
  {
    id: 'api-owner-brief-page',
    entry: 'functions/api/owner-brief-page.ts',
    // A shell like the dashboard: its script reads /api/v1/owners/{id}/brief with the session cookie.
    binds: ['database'],
    route: { method: 'GET', path: '/owners/{id}/brief', auth: 'public' },
  },
  {
    // The MCP server over Streamable HTTP (stateless: one server per request), as the signed-in person.
    id: 'api-mcp',
    entry: 'functions/mcp/handler.ts',
    binds: ['database', 'redis', 'runs-read', 'runs-respond', 'audit-write'],
    route: { method: 'POST', path: '/mcp', auth: 'cognito' },
  },
  {
    // Zoho wants a quick 2xx: the webhook checks the token (kept in the Zoho secret) and the body, queues the
    // notification and answers; sync-notifications applies it. The database is opened on every cold start.
    id: 'webhook-zoho-notifications',
    entry: 'functions/webhooks/zoho-notifications.ts',
    binds: ['database', 'zoho', 'notification-queue'],
    route: { method: 'POST', path: '/api/webhooks/zoho', auth: 'webhook-token' },
  },

  // Workflow tasks of statemachines/account-analysis.asl.json.
  {
    id: 'workflow-initialize-run',
    entry: 'functions/workflow/initialize-run.ts',
    binds: ['database'],
    aslPlaceholder: 'InitializeRunFunctionArn',
  },
  {
    id: 'workflow-retrieve-data',
    entry: 'functions/workflow/retrieve-data.ts',
    binds: ['database', 'redis', 'zoho'],
    aslPlaceholder: 'RetrieveDataFunctionArn',
    memoryMiB: 1024,
  },
  {
    id: 'workflow-analyze-memory',
    entry: 'functions/workflow/analyze-memory.ts',
    binds: ['database', 'embeddings'],
    aslPlaceholder: 'AnalyzeMemoryFunctionArn',
    memoryMiB: 1024,
  },
  {
    id: 'workflow-author-recommendations',
    entry: 'functions/workflow/author-recommendations.ts',
    binds: ['database', 'anthropic', 'embeddings'],
    aslPlaceholder: 'AuthorRecommendationsFunctionArn',
    memoryMiB: 1024,
  },
  {
    id: 'workflow-check-compliance',
    entry: 'functions/workflow/check-compliance.ts',
    binds: ['database'],
    aslPlaceholder: 'CheckComplianceFunctionArn',
  },
  {
    id: 'workflow-request-approval',
    entry: 'functions/workflow/request-approval.ts',
    binds: ['database', 'audit-write', 'notify'],
    aslPlaceholder: 'RequestApprovalFunctionArn',
  },
  {
    id: 'workflow-execute-recommendation',
    entry: 'functions/workflow/execute-recommendation.ts',
    binds: ['database', 'redis', 'zoho', 'audit-write'],
    aslPlaceholder: 'ExecuteRecommendationFunctionArn',
  },
  {
    id: 'workflow-sync-memory',
    entry: 'functions/workflow/sync-memory.ts',
    binds: ['database', 'embeddings'],
    aslPlaceholder: 'SyncMemoryFunctionArn',
    memoryMiB: 1024,
  },
  {
    id: 'workflow-record-failure',
    entry: 'functions/workflow/record-failure.ts',
    binds: ['database', 'audit-write'],
    aslPlaceholder: 'RecordFailureFunctionArn',
    // The ASL gives RecordFailure 60 s.
    timeoutSeconds: 45,
  },
  {
    id: 'workflow-escalate-approval',
    entry: 'functions/workflow/escalate-approval.ts',
    // runs-respond: an approval decided just as the first wait timed out resumes the Escalate wait at once.
    binds: ['database', 'audit-write', 'runs-respond', 'notify'],
    aslPlaceholder: 'EscalateApprovalFunctionArn',
  },
  {
    id: 'workflow-expire-approval',
    entry: 'functions/workflow/expire-approval.ts',
    binds: ['database', 'audit-write', 'notify'],
    aslPlaceholder: 'ExpireApprovalFunctionArn',
  },

  // Workflow tasks of statemachines/batch-analysis.asl.json.
  {
    id: 'workflow-prepare-batch-run',
    entry: 'functions/workflow/prepare-batch-run.ts',
    binds: ['database'],
    aslPlaceholder: 'PrepareBatchRunFunctionArn',
    aslMachine: 'batch-analysis',
    // The ASL gives PrepareRun 60 s.
    timeoutSeconds: 45,
  },
  {
    id: 'workflow-summarize-batch',
    entry: 'functions/workflow/summarize-batch.ts',
    binds: ['database', 'audit-write'],
    aslPlaceholder: 'SummarizeBatchFunctionArn',
    aslMachine: 'batch-analysis',
  },

  // CRM sync, run by EventBridge Scheduler.
  {
    id: 'sync-full',
    entry: 'functions/sync/full-sync.ts',
    binds: ['database', 'redis', 'zoho', 'embeddings', 'exports-write'],
    schedule: 'daily-full-sync',
    memoryMiB: 2048,
    timeoutSeconds: 900,
    // One sync at a time: two concurrent full syncs would share the Zoho API quota and fight over rows.
    reservedConcurrency: 1,
  },
  {
    id: 'sync-incremental',
    entry: 'functions/sync/incremental-sync.ts',
    binds: ['database', 'redis', 'zoho', 'embeddings'],
    schedule: 'hourly-incremental-sync',
    memoryMiB: 1024,
    timeoutSeconds: 900,
    reservedConcurrency: 1,
  },
  {
    id: 'notification-channel',
    entry: 'functions/sync/notification-channel.ts',
    // The container opens the database on every cold start; the channel check itself only talks to Zoho.
    binds: ['database', 'redis', 'zoho'],
    schedule: 'notification-channel-check',
    timeoutSeconds: 60,
  },

  // Zoho notifications queued by the webhook, applied to the CRM copy in batches of up to 10 (fetch the
  // records from Zoho, write the copy); a replay is recognised in Redis and applied once.
  {
    id: 'sync-notifications',
    entry: 'functions/sync/crm-notifications.ts',
    binds: ['database', 'redis', 'zoho'],
    consumes: 'zoho-notifications',
    // A message names up to 100 records, each fetched from Zoho; ten of them must fit one invocation.
    timeoutSeconds: 120,
  },

  // Messages to people, run by EventBridge Scheduler: each reads the database and sends through the
  // Notifier (the outbox table, SES, Slack); a claim in the database makes every message go out once.
  {
    id: 'approval-reminders',
    entry: 'functions/sync/approval-reminders.ts',
    binds: ['database', 'notify'],
    schedule: 'hourly-approval-reminders',
    timeoutSeconds: 300,
  },
  {
    id: 'owner-briefs',
    entry: 'functions/sync/owner-briefs.ts',
    binds: ['database', 'notify'],
    schedule: 'hourly-owner-briefs',
    timeoutSeconds: 300,
  },
];

export const DEFAULT_MEMORY_MIB = 512;
export const timeoutOf = (spec: FunctionSpec): number =>
  spec.timeoutSeconds ?? (spec.route ? API_TIMEOUT : TASK_TIMEOUT);

/**
 * A function that rotates a secret of the stateful stack, and is deployed there, beside the secret, its key and
 * what the secret protects. It cannot be a FUNCTIONS entry: the secret's rotation schedule names the function,
 * and naming a stateless-stack function from the stateful stack would make each stack depend on the other.
 * It gets none of the app's environment or bindings (no database, no other secret): only what `rotates` needs.
 */
export interface RotationFunctionSpec {
  /** Kebab-case id; also the bundle directory and the suffix of the deployed function name. */
  readonly id: string;
  /** Handler module relative to the repository root; it must export `handler`. */
  readonly entry: string;
  /**
   * The secret it rotates. `redis-auth`: sergas/<stage>/redis-auth, the ElastiCache AUTH token. The function may
   * read, write and relabel versions of that secret only, use the stage key through Secrets Manager only,
   * modify and describe that replication group only, and reach Redis (6379) and HTTPS (AWS APIs) only.
   */
  readonly rotates: 'redis-auth';
  readonly timeoutSeconds: number;
  /** Days between scheduled rotations. */
  readonly everyDays: number;
}

/** The deployed name of a rotation function (the stateless stack's alarms find it by this name). */
export const rotationFunctionName = (stage: string, spec: Pick<RotationFunctionSpec, 'id'>): string =>
  `sergas-${stage}-${spec.id}`;

export const ROTATION_FUNCTIONS: readonly RotationFunctionSpec[] = [
  {
    id: 'rotate-redis-auth-token',
    entry: 'functions/rotation/redis-auth-token.ts',
    rotates: 'redis-auth',
    // setSecret may wait for two modifications of the replication group (SET, then ROTATE), minutes each.
    timeoutSeconds: 900,
    everyDays: 30,
  },
];
