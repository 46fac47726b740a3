import { MemoryCache } from '../adapters/cache/memory-cache.ts';
import { RedisCache } from '../adapters/cache/redis-cache.ts';
import { migrate } from '../adapters/db/migrate.ts';
import { PgDb } from '../adapters/db/pg-db.ts';
import { PgliteDb } from '../adapters/db/pglite-db.ts';
import { SqlApprovalRepository } from '../adapters/db/sql-approval-repository.ts';
import { SqlAuditLog } from '../adapters/db/sql-audit-log.ts';
import { SqlBaselineRepository } from '../adapters/db/sql-baseline-repository.ts';
import { SqlCrmCopy } from '../adapters/db/sql-crm-copy.ts';
import { SqlCrmWriteLog } from '../adapters/db/sql-crm-write-log.ts';
import { SqlRecommendationRepository } from '../adapters/db/sql-recommendation-repository.ts';
import { SqlRunRepository } from '../adapters/db/sql-run-repository.ts';
import { budgetedCrmClient, CreditBudget, type CrmPriority } from '../adapters/zoho/credit-budget.ts';
import { TieredCrmClient, type TierStatus } from '../adapters/zoho/tiered-crm-client.ts';
import { ZohoMcpClient } from '../adapters/zoho/zoho-mcp-client.ts';
import { ZohoNotificationChannels } from '../adapters/zoho/zoho-notification-channels.ts';
import { ZohoOAuth } from '../adapters/zoho/zoho-oauth.ts';
import { ZohoRestClient } from '../adapters/zoho/zoho-rest-client.ts';
import type { Config } from '../config/config.ts';
import { type DomainRules, defaultDomainRules } from '../domain/domain-rules.ts';
import type { ApprovalRepository } from '../ports/approvals.ts';
import type { AuditLog } from '../ports/audit-log.ts';
import type { BaselineRepository } from '../ports/baselines.ts';
import type { Cache } from '../ports/cache.ts';
import { type Clock, systemClock } from '../ports/clock.ts';
import type { CrmClient } from '../ports/crm-client.ts';
import type { CrmCopy } from '../ports/crm-copy.ts';
import type { CrmWriteLog } from '../ports/crm-writes.ts';
import type { Db } from '../ports/db.ts';
import type { NotificationChannels } from '../ports/notification-channels.ts';
import type { RecommendationRepository } from '../ports/recommendations.ts';
import type { RunRepository } from '../ports/runs.ts';
import type { WorkflowEngine } from '../ports/workflow-engine.ts';

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
  copy: CrmCopy;
  runs: RunRepository;
  recommendations: RecommendationRepository;
  approvals: ApprovalRepository;
  audit: AuditLog;
  baselines: BaselineRepository;
  writes: CrmWriteLog;
  workflow: WorkflowEngine;
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
  /** Releases what the caller opened (the database, servers); the cache is closed here. */
  onClose?: () => Promise<void>;
}): Container {
  const { config, db, cache } = parts;
  // Remaining Zoho credits, read off every response and shared through the cache, decide who may call.
  const budget = new CreditBudget({ cache });
  // MCP first when there is an endpoint (the sandbox serves one), then REST, which has what MCP lacks
  // (users, the deletion log). The tiers' own GET retries are off: the tiered client retries with jitter
  // and fails over. Both spend the same org's credits, so both go through the budget.
  const tokens = new ZohoOAuth(parts.zoho, { cache });
  const apiDomain = parts.zoho.apiDomain ? { apiDomain: parts.zoho.apiDomain } : {};
  const mcp = parts.zoho.mcpUrl ? new ZohoMcpClient({ url: parts.zoho.mcpUrl, fetch: budget.wrap(fetch) }) : null;
  const crm = new TieredCrmClient({
    tiers: [
      ...(mcp ? [{ name: 'mcp', client: mcp }] : []),
      {
        name: 'rest',
        client: new ZohoRestClient({ tokens, retries: 0, fetch: budget.wrap(fetch), ...apiDomain }),
      },
    ],
  });
  const partial = {
    config,
    db,
    cache,
    crm,
    crmFor: (priority: CrmPriority) => budgetedCrmClient(crm, budget, priority),
    crmTiers: () => crm.tierStatus(),
    channels: new ZohoNotificationChannels({ tokens, fetch: budget.wrap(fetch), ...apiDomain }),
    copy: new SqlCrmCopy(db),
    runs: new SqlRunRepository(db),
    recommendations: new SqlRecommendationRepository(db),
    approvals: new SqlApprovalRepository(db),
    audit: new SqlAuditLog(db),
    baselines: new SqlBaselineRepository(db),
    writes: new SqlCrmWriteLog(db),
    clock: parts.clock ?? systemClock,
    rules: defaultDomainRules,
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
