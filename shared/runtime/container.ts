import { join } from 'node:path';
import { BedrockRuntimeClient } from '@aws-sdk/client-bedrock-runtime';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { SQSClient } from '@aws-sdk/client-sqs';
import { ClaudeRecommendationAuthor } from '../adapters/anthropic/claude-recommendation-author.ts';
import { SqsNotificationInbox } from '../adapters/aws/sqs-notification-inbox.ts';
import { MemoryCache } from '../adapters/cache/memory-cache.ts';
import { RedisCache } from '../adapters/cache/redis-cache.ts';
import { migrate } from '../adapters/db/migrate.ts';
import { PgDb } from '../adapters/db/pg-db.ts';
import { PgliteDb } from '../adapters/db/pglite-db.ts';
import { SqlApprovalRepository } from '../adapters/db/sql-approval-repository.ts';
import { SqlAuditLog } from '../adapters/db/sql-audit-log.ts';
import { SqlBaselineRepository } from '../adapters/db/sql-baseline-repository.ts';
import { SqlCrmCopy } from '../adapters/db/sql-crm-copy.ts';
import { SqlCrmLinks } from '../adapters/db/sql-crm-links.ts';
import { SqlCrmWriteLog } from '../adapters/db/sql-crm-write-log.ts';
import { SqlKnowledgeGraph } from '../adapters/db/sql-knowledge-graph.ts';
import { SqlListings } from '../adapters/db/sql-listings.ts';
import { SqlLlmUsageLog } from '../adapters/db/sql-llm-usage.ts';
import { SqlRecommendationRepository } from '../adapters/db/sql-recommendation-repository.ts';
import { SqlRunEvents } from '../adapters/db/sql-run-events.ts';
import { SqlRunRepository } from '../adapters/db/sql-run-repository.ts';
import { BedrockTitanEmbedder } from '../adapters/embeddings/bedrock-titan-embedder.ts';
import { LexicalHashingEmbedder } from '../adapters/embeddings/lexical-hashing-embedder.ts';
import { InlineNotificationInbox } from '../adapters/inbox/inline-notification-inbox.ts';
import { LoggedOperationalMetrics } from '../adapters/metrics/logged-operational-metrics.ts';
import { FanOutNotifier, type NotificationChannel } from '../adapters/notifications/fan-out-notifier.ts';
import { OutboxNotifier } from '../adapters/notifications/outbox-notifier.ts';
import { SesEmailNotifier } from '../adapters/notifications/ses-email-notifier.ts';
import { SlackWebhookNotifier } from '../adapters/notifications/slack-webhook-notifier.ts';
import { SqlNotificationLedger } from '../adapters/notifications/sql-notification-ledger.ts';
import { MemoryVectorStore } from '../adapters/vectors/memory-vector-store.ts';
import { PgvectorStore } from '../adapters/vectors/pgvector-store.ts';
import { QdrantVectorStore } from '../adapters/vectors/qdrant-vector-store.ts';
import { budgetedCrmClient, CreditBudget, type CrmPriority } from '../adapters/zoho/credit-budget.ts';
import { lazyZohoSdkCrmClient } from '../adapters/zoho/lazy-crm-client.ts';
import { type CrmTier, TieredCrmClient, type TierStatus } from '../adapters/zoho/tiered-crm-client.ts';
import { ZohoBulkReadClient } from '../adapters/zoho/zoho-bulk-read-client.ts';
import { ZohoMcpClient } from '../adapters/zoho/zoho-mcp-client.ts';
import { ZohoNotificationChannels } from '../adapters/zoho/zoho-notification-channels.ts';
import { ZohoOAuth } from '../adapters/zoho/zoho-oauth.ts';
import { ZohoRestClient } from '../adapters/zoho/zoho-rest-client.ts';
import { type TokenVerifier, tokenVerifierFor } from '../auth/tokens.ts';
import type { Config } from '../config/config.ts';
import type { DomainRules } from '../domain/domain-rules.ts';
import { ConfigError } from '../errors.ts';
import type { ApprovalRepository } from '../ports/approvals.ts';
import type { AuditLog } from '../ports/audit-log.ts';
import type { BaselineRepository } from '../ports/baselines.ts';
import type { Cache } from '../ports/cache.ts';
import { type Clock, systemClock } from '../ports/clock.ts';
import type { CrmClient } from '../ports/crm-client.ts';
import type { CrmCopy } from '../ports/crm-copy.ts';
import type { CrmWriteLog } from '../ports/crm-writes.ts';
import type { Db } from '../ports/db.ts';
import type { Embedder } from '../ports/embedder.ts';
import type { CrmLinkReader, KnowledgeGraph } from '../ports/knowledge-graph.ts';
import type { Listings } from '../ports/listings.ts';
import type { LlmUsageLog } from '../ports/llm-usage.ts';
import type { NotificationChannels } from '../ports/notification-channels.ts';
import type { NotificationInbox } from '../ports/notification-inbox.ts';
import type { NotificationLedger, Notifier, OutboxReader } from '../ports/notifier.ts';
import type { OperationalMetrics } from '../ports/operational-metrics.ts';
import { type RecommendationAuthor, ruleRecommendationAuthor } from '../ports/recommendation-author.ts';
import type { RecommendationRepository } from '../ports/recommendations.ts';
import type { RunEvents } from '../ports/run-events.ts';
import type { RunRepository } from '../ports/runs.ts';
import type { VectorStore } from '../ports/vector-store.ts';
import type { WorkflowEngine } from '../ports/workflow-engine.ts';
import { type ApplyNotificationDeps, applyVerifiedCrmNotification } from '../use-cases/apply-crm-notification.ts';
import { withMeteredLlmSpend } from '../use-cases/meter-llm-spend.ts';
import { approvalUrl } from '../use-cases/notify-approval.ts';
import { withRecordedAcceptance } from '../use-cases/record-recommendation-outcomes.ts';
import { withApprovalEvents, withRunEvents } from '../use-cases/run-events.ts';
import { logger } from './observability.ts';

/** Every port, with the adapter config picked. Use cases take the subset they need. */
export interface Container {
  config: Config;
  db: Db;
  cache: Cache;
  crm: CrmClient;
  /** The CRM for work of a priority: background work (syncs) waits when credits run low; urgent work never does. */
  crmFor(priority: CrmPriority): CrmClient;
  crmTiers(): TierStatus[];
  /** Zoho's watch channels, through which it calls our webhook on every change. */
  channels: NotificationChannels;
  /** Where the webhook hands accepted notifications: an SQS queue on AWS, applied at once locally. */
  notificationInbox: NotificationInbox;
  copy: CrmCopy;
  /** Emits the run's AG-UI events (RUN_STARTED, STEP_*, RUN_FINISHED/RUN_ERROR) into `events` as its status changes. */
  runs: RunRepository;
  /** The persisted AG-UI event log behind the SSE streams. */
  events: RunEvents;
  /** Its `history` takes each type's acceptance from the outcomes recorded in the knowledge graph. */
  recommendations: RecommendationRepository;
  /** The Memory Analyst's knowledge graph, and the CRM copy's links it is built from. */
  graph: KnowledgeGraph;
  crmLinks: CrmLinkReader;
  /** The Recommendation Author: Claude with an Anthropic API key, the deterministic rules without. */
  author: RecommendationAuthor;
  /** Every LLM call's tokens and cost; the daily budget reads it. */
  llmUsage: LlmUsageLog;
  /** Similar accounts and note recall: Qdrant, pgvector in PGlite, or memory (vectors are rebuilt from the copy). */
  vectors: VectorStore;
  embedder: Embedder;
  /** Announces each new approval (`approval_required`) on its run's event stream. */
  approvals: ApprovalRepository;
  /** The API's paged list queries (accounts' recommendations, approvals, runs) and reporting lines. */
  listings: Listings;
  /** Checks the tokens people sign in with: Cognito ID tokens on AWS, `sergas user create`'s locally. */
  auth: TokenVerifier;
  audit: AuditLog;
  baselines: BaselineRepository;
  writes: CrmWriteLog;
  /** Messages to people (approval links, reminders, escalations, briefs) on every configured channel. */
  notifier: Notifier;
  /** What the outbox channel holds (empty when it is off). */
  outbox: OutboxReader;
  /** Which reminders and briefs went out, so each goes out once. */
  notificationLedger: NotificationLedger;
  workflow: WorkflowEngine;
  /** The numbers behind the alarms: EMF on Lambda, the debug log elsewhere. */
  metrics: OperationalMetrics;
  clock: Clock;
  rules: DomainRules;
  newId: () => string;
  close(): Promise<void>;
}

/** How to reach Zoho (or the sandbox standing in for it). */
export interface ZohoConnection {
  accountsUrl: string;
  apiDomain: string | null;
  /** Zoho's MCP endpoint, key included; when given, an MCP tier is tried before REST. */
  mcpUrl?: string | null;
  clientId: string;
  clientSecret: string;
  refreshToken: string;
}

export async function openDatabase(config: Config): Promise<Db> {
  const db =
    config.database.kind === 'postgres'
      ? PgDb.connect(config.database.url)
      : await PgliteDb.open(config.database.dataDir);
  await migrate(db);
  return db;
}

export function openCache(config: Config): Cache {
  return config.cache.kind === 'redis' ? RedisCache.connect(config.cache.url) : new MemoryCache();
}

/**
 * Qdrant when configured; else pgvector when the database is the embedded PGlite (which loads it), even
 * reached through its socket; else memory, since a plain Postgres may lack pgvector.
 */
export function openVectorStore(config: Config, db: Db, databaseHasPgvector = db.kind === 'pglite'): VectorStore {
  if (config.vectors.kind === 'qdrant') return new QdrantVectorStore(config.vectors);
  return databaseHasPgvector ? new PgvectorStore(db) : new MemoryVectorStore();
}

export function openEmbedder(config: Config): Embedder {
  if (config.embeddings.kind === 'lexical') return new LexicalHashingEmbedder();
  const { modelId, region } = config.embeddings;
  return new BedrockTitanEmbedder({ modelId, client: new BedrockRuntimeClient(region ? { region } : {}) });
}

/**
 * Messages go to the outbox (always locally), by e-mail when SES_FROM_ADDRESS is set and to Slack when
 * there is a webhook, all at once; a channel that fails is logged and does not stop the others.
 */
export function openNotifications(
  config: Config,
  db: Db,
): { notifier: Notifier; outbox: OutboxReader; notificationLedger: NotificationLedger } {
  const { email, slack } = config.notifications;
  const outbox = new OutboxNotifier(db);
  const channels: NotificationChannel[] = [
    ...(config.notifications.outbox || (!email && !slack) ? [{ name: 'outbox', notifier: outbox }] : []),
    ...(email
      ? [
          {
            name: 'email',
            notifier: new SesEmailNotifier({
              client: new SESv2Client(email.region ? { region: email.region } : {}),
              from: email.from,
              configurationSet: email.configurationSet,
            }),
          },
        ]
      : []),
    ...(slack ? [{ name: 'slack', notifier: new SlackWebhookNotifier({ webhookUrl: slack.webhookUrl }) }] : []),
  ];
  const notifier = new FanOutNotifier(channels, {
    onFailure: (channel, error, message) =>
      logger.warn('notification channel failed', {
        channel,
        kind: message.kind,
        approvalId: message.approvalId,
        error: (error as Error).message,
      }),
  });
  return { notifier, outbox, notificationLedger: new SqlNotificationLedger(db) };
}

/**
 * Zoho notifications the webhook accepted: queued on SQS when ZOHO_NOTIFICATION_QUEUE_URL is set (AWS;
 * functions/sync/crm-notifications.ts applies them), else applied before the webhook answers.
 */
export function openNotificationInbox(config: Config, deps: ApplyNotificationDeps): NotificationInbox {
  if (config.notificationInbox.kind === 'sqs') {
    const { queueUrl, region } = config.notificationInbox;
    return new SqsNotificationInbox(new SQSClient(region ? { region } : {}), queueUrl);
  }
  return new InlineNotificationInbox((notification) => applyVerifiedCrmNotification(deps, notification));
}

/**
 * The composition root. Callers supply what differs between AWS and local (the database handle when
 * it is shared, the Zoho connection, the workflow engine); everything else is picked from config.
 */
export function assembleContainer(parts: {
  config: Config;
  db: Db;
  cache: Cache;
  zoho: ZohoConnection;
  workflow: (partial: Omit<Container, 'workflow' | 'close'>) => WorkflowEngine;
  clock?: Clock;
  /** Whether `db` has pgvector (the embedded PGlite behind a socket has); by default, when it is PGlite. */
  databaseHasPgvector?: boolean;
  /** Releases what the caller opened (the database, servers); the cache is closed here. */
  onClose?: () => Promise<void>;
  /** Where operational metrics go (EMF on Lambda); by default the debug log. */
  metrics?: OperationalMetrics;
}): Container {
  const { config, db, cache } = parts;
  const metrics =
    parts.metrics ?? new LoggedOperationalMetrics((message, attributes) => logger.debug(message, attributes));
  // Remaining Zoho credits, read off every response and shared through the cache, decide who may call.
  const budget = new CreditBudget({ cache, metrics });
  // MCP first when there is an endpoint (the sandbox serves one), then REST, which has what MCP lacks
  // (users, the deletion log). The tiers' own GET retries are off: the tiered client retries with jitter
  // and fails over. Both spend the same org's credits, so both go through the budget.
  const tokens = new ZohoOAuth(parts.zoho, { cache });
  const apiDomain = parts.zoho.apiDomain ? { apiDomain: parts.zoho.apiDomain } : {};
  const mcp = parts.zoho.mcpUrl ? new ZohoMcpClient({ url: parts.zoho.mcpUrl, fetch: budget.wrap(fetch) }) : null;
  const crm = new TieredCrmClient({
    tiers: [
      ...(mcp ? [{ name: 'mcp', client: mcp }] : []),
      ...(config.zohoSdkTier ? [sdkTier(config, parts.zoho)] : []),
      {
        name: 'rest',
        client: new ZohoRestClient({ tokens, retries: 0, fetch: budget.wrap(fetch), ...apiDomain }),
      },
    ],
    // Full syncs export the big modules through Bulk Read (a few calls per 200,000 records) and page
    // through REST when it fails.
    bulkRead: new ZohoBulkReadClient({ tokens, fetch: budget.wrap(fetch), ...apiDomain }),
  });
  const llmUsage = withMeteredLlmSpend(new SqlLlmUsageLog(db), metrics);
  const graph = new SqlKnowledgeGraph(db);
  const clock = parts.clock ?? systemClock;
  const events = new SqlRunEvents(db);
  const runs = withRunEvents(new SqlRunRepository(db), events, clock);
  const copy = new SqlCrmCopy(db);
  const partial = {
    config,
    db,
    cache,
    crm,
    crmFor: (priority: CrmPriority) => budgetedCrmClient(crm, budget, priority),
    crmTiers: () => crm.tierStatus(),
    channels: new ZohoNotificationChannels({ tokens, fetch: budget.wrap(fetch), ...apiDomain }),
    copy,
    notificationInbox: openNotificationInbox(config, { crm, copy, cache, clock }),
    runs,
    events,
    recommendations: withRecordedAcceptance(new SqlRecommendationRepository(db), graph),
    graph,
    crmLinks: new SqlCrmLinks(db),
    llmUsage,
    metrics,
    author: recommendationAuthorFor(config, llmUsage, parts.clock ?? systemClock),
    vectors: openVectorStore(config, db, parts.databaseHasPgvector),
    embedder: openEmbedder(config),
    approvals: withApprovalEvents(new SqlApprovalRepository(db), {
      runs,
      events,
      clock,
      approvalUrl: (id) => approvalUrl(config, id),
    }),
    listings: new SqlListings(db),
    auth: tokenVerifierFor(config),
    audit: new SqlAuditLog(db),
    baselines: new SqlBaselineRepository(db),
    writes: new SqlCrmWriteLog(db),
    ...openNotifications(config, db),
    clock: parts.clock ?? systemClock,
    rules: config.rules,
    newId: () => crypto.randomUUID(),
  };
  return {
    ...partial,
    workflow: parts.workflow(partial),
    async close() {
      await mcp?.close();
      await parts.onClose?.();
      await cache.close();
    },
  };
}

/**
 * Zoho's official SDK between MCP and REST (ZOHO_SDK_TIER, never on AWS), imported on its first call so a
 * process that never reaches it never loads it. It sends through its own HTTP client and refreshes its own
 * access token, so its calls bypass the credit budget's fetch wrapper.
 */
function sdkTier(config: Config, zoho: ZohoConnection): CrmTier {
  if (!zoho.apiDomain) {
    throw new ConfigError(['ZOHO_SDK_TIER: needs the API domain (ZOHO_API_DOMAIN or ZOHO_DATA_CENTRE)']);
  }
  const { accountsUrl, apiDomain, clientId, clientSecret, refreshToken } = zoho;
  return {
    name: 'sdk',
    client: lazyZohoSdkCrmClient({
      accountsUrl,
      apiDomain,
      clientId,
      clientSecret,
      refreshToken,
      resourcePath: join(config.home, 'zoho-sdk'),
    }),
  };
}

/** Claude writes the recommendations when there is an API key; the rules always can, and are its fallback. */
function recommendationAuthorFor(config: Config, usage: LlmUsageLog, clock: Clock): RecommendationAuthor {
  const { anthropicApiKey, ...llm } = config.llm;
  if (!anthropicApiKey) return ruleRecommendationAuthor;
  return new ClaudeRecommendationAuthor({ ...llm, apiKey: anthropicApiKey, usage, clock });
}
