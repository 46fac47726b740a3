import { SecretsManagerSecrets } from '../adapters/aws/secrets-manager.ts';
import { SfnWorkflowEngine } from '../adapters/aws/sfn-workflow-engine.ts';
import { MemoryCache } from '../adapters/cache/memory-cache.ts';
import { RedisCache } from '../adapters/cache/redis-cache.ts';
import { migrate } from '../adapters/db/migrate.ts';
import { PgDb } from '../adapters/db/pg-db.ts';
import { EmfOperationalMetrics } from '../adapters/metrics/emf-operational-metrics.ts';
import { type Config, loadConfig } from '../config/config.ts';
import { ZOHO_DATA_CENTRE_CODES, type ZohoDataCentre, zohoEndpoints } from '../config/zoho-data-centres.ts';
import { ConfigError } from '../errors.ts';
import type { WorkflowEngine } from '../ports/workflow-engine.ts';
import { assembleContainer, type Container } from './container.ts';
import { logger, metrics } from './observability.ts';

const unbound = async (): Promise<never> => {
  throw new ConfigError(['STATE_MACHINE_ARN: this function is not bound to the state machine']);
};
const missingStateMachine: WorkflowEngine = {
  startExecution: unbound,
  sendTaskSuccess: unbound,
  sendTaskFailure: unbound,
  describeExecution: unbound,
  getExecutionHistory: unbound,
};

/**
 * The container on Lambda: Postgres through the RDS Proxy with credentials from Secrets Manager,
 * ElastiCache with its AUTH token, Zoho credentials from Secrets Manager, Step Functions for runs.
 */
export async function awsContainer(env: Record<string, string | undefined> = process.env): Promise<Container> {
  const config = loadConfig(env);
  const secrets = new SecretsManagerSecrets();
  const problems: string[] = [];
  if (!env.DATABASE_SECRET_ARN && !env.DATABASE_URL) problems.push('DATABASE_SECRET_ARN: required on AWS');
  if (problems.length > 0) throw new ConfigError(problems);

  let databaseUrl = env.DATABASE_URL;
  if (!databaseUrl) {
    const db = await secrets.json(env.DATABASE_SECRET_ARN!);
    const host = env.DATABASE_PROXY_ENDPOINT ?? db.host;
    databaseUrl = `postgresql://${encodeURIComponent(db.username ?? '')}:${encodeURIComponent(db.password ?? '')}@${host}:${db.port ?? 5432}/${db.dbname ?? 'sergas'}?sslmode=no-verify`;
  }
  const db = PgDb.connect(databaseUrl, { max: 2 });
  await migrate(db);

  let cache = env.REDIS_URL ? RedisCache.connect(env.REDIS_URL) : null;
  if (!cache && env.REDIS_ENDPOINT) {
    const authSecretArn = env.REDIS_AUTH_SECRET_ARN;
    // The token is rotated (functions/rotation/redis-auth-token.ts): once ElastiCache drops the one read here,
    // the cache reads the secret again and reconnects instead of failing until the next cold start.
    const auth = authSecretArn
      ? {
          password: (await secrets.json(authSecretArn)).token ?? '',
          refresh: async () => (await secrets.fresh(authSecretArn)).token ?? '',
        }
      : undefined;
    cache = RedisCache.connect(`rediss://${env.REDIS_ENDPOINT}`, undefined, auth);
  }

  const zoho = env.ZOHO_SECRET_ARN ? await secrets.json(env.ZOHO_SECRET_ARN) : {};
  // Only the Recommendation Author's function is bound to the Anthropic secret (`{"api_key": "…"}`);
  // an empty key (the secret as deployed, before anyone set it) leaves the rules writing.
  if (env.ANTHROPIC_SECRET_ARN) {
    const anthropic = await secrets.json(env.ANTHROPIC_SECRET_ARN);
    config.llm.anthropicApiKey = anthropic.api_key?.trim() || config.llm.anthropicApiKey;
  }
  // Functions that send messages are bound to the Slack secret (`{"webhook_url": "…"}`); an empty URL (the
  // secret as deployed) leaves Slack off.
  if (env.SLACK_SECRET_ARN) {
    const slack = await secrets.json(env.SLACK_SECRET_ARN);
    const webhookUrl = slack.webhook_url?.trim();
    if (webhookUrl) config.notifications.slack = { webhookUrl };
  }
  return assembleContainer({
    // The webhook's verification token lives with the other Zoho credentials. Zoho's SDK is never a tier
    // on Lambda: it is left out of the bundles (infra/bundle-functions.ts), so it could not load.
    config: { ...config, zohoSdkTier: false, notificationToken: zoho.notification_token ?? config.notificationToken },
    db,
    cache: cache ?? new MemoryCache(),
    zoho: {
      ...zohoLocation(zoho, config),
      mcpUrl: zoho.mcp_url ?? (config.crm.kind === 'zoho' ? config.crm.mcpUrl : null),
      clientId: zoho.client_id ?? '',
      clientSecret: zoho.client_secret ?? '',
      refreshToken: zoho.refresh_token ?? '',
    },
    // Only the functions that start or resume runs are given the state machine (least privilege).
    workflow: () =>
      env.STATE_MACHINE_ARN
        ? new SfnWorkflowEngine({ 'account-analysis': env.STATE_MACHINE_ARN })
        : missingStateMachine,
    onClose: () => db.close(),
    // Buffered per invocation and written as EMF by the handler wrappers (publishMetrics).
    metrics: new EmfOperationalMetrics(metrics, {
      onError: (error, name) => logger.warn('metric not recorded', { metric: name, error: (error as Error).message }),
    }),
  });
}

/**
 * Where the org lives: explicit URLs in the secret win, then its `data_centre` (with `environment`), then
 * the function's ZOHO_DATA_CENTRE / ZOHO_ACCOUNTS_URL, else Zoho's US data centre.
 */
function zohoLocation(
  secret: Record<string, string | undefined>,
  config: Config,
): { accountsUrl: string; apiDomain: string | null } {
  const fromEnv = config.crm.kind === 'zoho' ? config.crm : null;
  const dc = secret.data_centre as ZohoDataCentre | undefined;
  if (dc !== undefined && !ZOHO_DATA_CENTRE_CODES.includes(dc)) {
    throw new ConfigError([`ZOHO_SECRET_ARN: data_centre must be one of ${ZOHO_DATA_CENTRE_CODES.join(', ')}`]);
  }
  const environment =
    secret.environment === 'sandbox' || secret.environment === 'developer' ? secret.environment : 'production';
  const endpoints = dc ? zohoEndpoints(dc, environment) : null;
  return {
    accountsUrl:
      secret.accounts_url ?? endpoints?.accountsUrl ?? fromEnv?.accountsUrl ?? zohoEndpoints('us').accountsUrl,
    apiDomain: secret.api_domain ?? endpoints?.apiDomain ?? fromEnv?.apiDomain ?? null,
  };
}
