import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { z } from 'zod';
import { DEFAULT_CLAUDE_MODEL } from '../adapters/anthropic/claude-models.ts';
import { TITAN_TEXT_EMBEDDINGS_V2 } from '../adapters/embeddings/embedding-models.ts';
import { type DomainRules, DomainRulesSchema } from '../domain/domain-rules.ts';
import { ConfigError } from '../errors.ts';
import { ZOHO_DATA_CENTRE_CODES, zohoEndpoints } from './zoho-data-centres.ts';

const optionalUrl = z.url().optional();
const port = z.coerce.number().int().min(0).max(65535);

/**
 * Every setting Sergas reads, in one schema over the environment. Nothing set means the embedded
 * defaults; each `*_URL`/key switches one port to the real service. Secrets come from Secrets Manager
 * on AWS (the `*_SECRET_ARN` names) and from the environment locally.
 */
export const ConfigSchema = z.object({
  SERGAS_HOME: z.string().min(1).default('.sergas'),
  SERGAS_STAGE: z.enum(['local', 'dev', 'prod']).default('local'),
  SERGAS_PORT: port.default(4280),
  SERGAS_SANDBOX_PORT: port.default(4281),
  SERGAS_PUBLIC_URL: optionalUrl,
  SERGAS_TIME_ZONE: z.string().default('UTC'),
  /** The tenant's rule overrides (JSON, any subset of DOMAIN-RULES' numbers and word lists). */
  SERGAS_RULES_FILE: z.string().min(1).optional(),
  SERGAS_DEMO_ACCOUNTS: z.coerce.number().int().min(1).max(100_000).default(300),
  SERGAS_DEMO_SEED: z.coerce.number().int().default(42),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info'),
  DATABASE_URL: optionalUrl,
  DATABASE_SECRET_ARN: z.string().optional(),
  DATABASE_PROXY_ENDPOINT: z.string().optional(),
  REDIS_URL: optionalUrl,
  /** The org's data centre; sets the accounts server and API domain unless those are given explicitly. */
  ZOHO_DATA_CENTRE: z.enum(ZOHO_DATA_CENTRE_CODES).optional(),
  ZOHO_ENVIRONMENT: z.enum(['production', 'sandbox', 'developer']).default('production'),
  ZOHO_ACCOUNTS_URL: optionalUrl,
  ZOHO_API_DOMAIN: optionalUrl,
  /** Zoho's hosted MCP endpoint for the org, key included; when set, CRM calls try it before REST. */
  ZOHO_MCP_URL: optionalUrl,
  /** Zoho's official TypeScript SDK as a tier between MCP and REST; off by default (107 MB, a singleton, slow to load). */
  ZOHO_SDK_TIER: z
    .enum(['true', 'false'])
    .default('false')
    .transform((value) => value === 'true'),
  ZOHO_CLIENT_ID: z.string().optional(),
  ZOHO_CLIENT_SECRET: z.string().optional(),
  ZOHO_REFRESH_TOKEN: z.string().optional(),
  ZOHO_SECRET_ARN: z.string().optional(),
  ZOHO_NOTIFICATION_TOKEN: z.string().min(16).max(50).optional(),
  /** On AWS: the SQS queue the webhook hands notifications to; without it they are applied as they come. */
  ZOHO_NOTIFICATION_QUEUE_URL: z.url({ protocol: /^https?$/ }).optional(),
  /** Claude writes the recommendations when a key is set (on AWS it comes from ANTHROPIC_SECRET_ARN). */
  ANTHROPIC_API_KEY: z.string().optional(),
  ANTHROPIC_SECRET_ARN: z.string().optional(),
  ANTHROPIC_MODEL: z.string().min(1).default(DEFAULT_CLAUDE_MODEL),
  ANTHROPIC_BASE_URL: optionalUrl,
  /** Per request; the SDK retries timeouts, 429 and 5xx. The author's Lambda (100 s) must fit every attempt. */
  ANTHROPIC_TIMEOUT_MS: z.coerce.number().int().min(1000).max(600_000).default(25_000),
  ANTHROPIC_MAX_RETRIES: z.coerce.number().int().min(0).max(10).default(2),
  /** Once the day's LLM calls have cost this much (tenant time zone), the rules write the recommendations. */
  LLM_DAILY_BUDGET_USD: z.coerce.number().min(0).default(5),
  /** Qdrant holds the vectors when set; otherwise pgvector in the embedded database, or memory. */
  QDRANT_URL: z.url({ protocol: /^https?$/ }).optional(),
  QDRANT_API_KEY: z.string().min(1).optional(),
  /** How note text becomes vectors: the offline lexical embedder, or Amazon Titan on Bedrock. */
  EMBEDDINGS: z.enum(['lexical', 'bedrock']).default('lexical'),
  BEDROCK_EMBEDDING_MODEL_ID: z.string().min(1).default(TITAN_TEXT_EMBEDDINGS_V2),
  /** Approval links and briefs go out by e-mail through SES v2 from this verified address when set. */
  SES_FROM_ADDRESS: z
    .string()
    .regex(/^[^@\s]+@[^@\s]+$|<[^@\s]+@[^@\s]+>$/, 'an e-mail address')
    .optional(),
  SES_CONFIGURATION_SET: z.string().min(1).optional(),
  /** …and to a Slack channel through this incoming webhook (on AWS it comes from SLACK_SECRET_ARN). */
  SLACK_WEBHOOK_URL: z.url({ protocol: /^https?$/ }).optional(),
  SLACK_SECRET_ARN: z.string().optional(),
  STATE_MACHINE_ARN: z.string().optional(),
  AWS_REGION: z.string().optional(),
  /** Origins (comma separated) whose pages may call the API; default the public URL's origin. */
  SERGAS_CORS_ORIGINS: z
    .string()
    .optional()
    .transform((value) =>
      (value ?? '')
        .split(',')
        .map((item) => item.trim())
        .filter(Boolean),
    )
    .pipe(z.array(z.url({ protocol: /^https?$/ }))),
  /** Requests per minute per signed-in person, counted in the cache. */
  SERGAS_RATE_LIMIT: z.coerce.number().int().min(1).max(100_000).default(60),
  /** Signs the tokens `sergas user create` issues; without it a secret is generated once in SERGAS_HOME. */
  SERGAS_JWT_SECRET: z.string().min(32, 'at least 32 characters').optional(),
  /** On AWS: the Cognito user pool and app client whose ID tokens the API accepts. */
  COGNITO_USER_POOL_ID: z
    .string()
    .regex(/^[\w-]+_\w+$/, 'a user pool id like eu-west-1_AbC123')
    .optional(),
  COGNITO_CLIENT_ID: z.string().min(1).optional(),
  /**
   * How the web pages sign people in: `cognito` (the default when the API takes Cognito ID tokens) shows an
   * e-mail and password form that talks to Cognito from the browser; `local` takes a pasted token.
   */
  SERGAS_SIGN_IN: z.enum(['local', 'cognito']).optional(),
  /** A Cognito-compatible endpoint for the pages' sign-in (LocalStack, cognito-local, a test's fake). */
  COGNITO_ENDPOINT: z.url({ protocol: /^https?$/ }).optional(),
});

export type Env = z.output<typeof ConfigSchema>;

const ZOHO_CREDENTIALS = ['ZOHO_CLIENT_ID', 'ZOHO_CLIENT_SECRET', 'ZOHO_REFRESH_TOKEN'] as const;
const ZOHO_LOCATION = ['ZOHO_DATA_CENTRE', 'ZOHO_ACCOUNTS_URL'] as const;

/** Zoho's credentials go together: a partial set would silently fall back to the sandbox. */
function zohoCredentialProblems(env: Record<string, string | undefined>): string[] {
  const given = [...ZOHO_CREDENTIALS, ...ZOHO_LOCATION].filter((key) => env[key] !== undefined);
  if (given.length === 0 || env.ZOHO_SECRET_ARN) return [];
  const problems = ZOHO_CREDENTIALS.filter((key) => env[key] === undefined).map(
    (key) => `${key}: is required when ${given.join(', ')} is set`,
  );
  if (!ZOHO_LOCATION.some((key) => env[key] !== undefined)) {
    problems.push(`ZOHO_DATA_CENTRE: is required (or ZOHO_ACCOUNTS_URL) when ${given.join(', ')} is set`);
  }
  return problems;
}

export interface Config {
  home: string;
  stage: Env['SERGAS_STAGE'];
  port: number;
  sandboxPort: number;
  publicUrl: string | null;
  timeZone: string;
  /** DOMAIN-RULES with the tenant's overrides, validated; the tenant's time zone is SERGAS_TIME_ZONE. */
  rules: DomainRules;
  demo: { accounts: number; seed: number };
  logLevel: Env['LOG_LEVEL'];
  database: { kind: 'postgres'; url: string } | { kind: 'pglite'; dataDir: string };
  cache: { kind: 'redis'; url: string } | { kind: 'memory' };
  crm:
    | {
        kind: 'zoho';
        accountsUrl: string;
        apiDomain: string | null;
        /** Zoho's MCP endpoint (`…/mcp/<key>/message`), tried before REST when set. */
        mcpUrl: string | null;
        clientId: string;
        clientSecret: string;
        refreshToken: string;
      }
    | { kind: 'sandbox'; dataDir: string };
  /** Whether CRM calls try Zoho's official SDK between MCP and REST (never on AWS). */
  zohoSdkTier: boolean;
  workflow: { kind: 'step-functions'; stateMachineArn: string } | { kind: 'local' };
  /** The token Zoho echoes in notification callbacks; none means every callback is refused. */
  notificationToken: string | null;
  /** Where accepted notifications go: an SQS queue a consumer drains, or applied inline before answering. */
  notificationInbox: { kind: 'sqs'; queueUrl: string; region: string | null } | { kind: 'inline' };
  /** Who writes the recommendations: Claude with an API key, the deterministic rules without. */
  llm: {
    anthropicApiKey: string | null;
    model: string;
    baseUrl: string | null;
    timeoutMs: number;
    maxRetries: number;
    dailyBudgetUsd: number;
  };
  /** Where vectors live: Qdrant when configured, else the database (pgvector when it is PGlite) decides. */
  vectors: { kind: 'qdrant'; url: string; apiKey: string | null } | { kind: 'database' };
  embeddings: { kind: 'lexical' } | { kind: 'bedrock'; modelId: string; region: string | null };
  /**
   * Where messages to people go: e-mail through SES, a Slack webhook, and the outbox table (`outbox`: always,
   * as locally; on AWS only while no other channel is set). `publicUrl` (or the local API) starts every link.
   */
  notifications: {
    outbox: boolean;
    email: { from: string; configurationSet: string | null; region: string | null } | null;
    slack: { webhookUrl: string } | null;
  };
  /** Who may call the API: Cognito ID tokens on AWS, tokens signed by `sergas user create` locally. */
  auth:
    | { kind: 'cognito'; userPoolId: string; clientId: string; region: string }
    | { kind: 'local'; secret: string | null; secretFile: string };
  /**
   * How the web pages sign people in: a pasted local token kept in an HttpOnly cookie, or Cognito's
   * InitiateAuth called from the browser (`endpoint`: Cognito's regional endpoint unless overridden).
   */
  signIn: { kind: 'local' } | { kind: 'cognito'; region: string; clientId: string; endpoint: string };
  api: { corsOrigins: string[]; rateLimitPerMinute: number };
}

/** Parses the environment once; throws ConfigError listing every problem. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const parsed = ConfigSchema.safeParse(env);
  const problems = [
    ...(parsed.success
      ? []
      : parsed.error.issues.map((issue) => `${issue.path.join('.') || '(env)'}: ${issue.message}`)),
    ...zohoCredentialProblems(env),
  ];
  const rules = tenantRules(env);
  problems.push(...rules.problems);
  if (parsed.success) problems.push(...signInProblems(parsed.data));
  if (!parsed.success || problems.length > 0) throw new ConfigError(problems);
  const e = parsed.data;
  const home = isAbsolute(e.SERGAS_HOME) ? e.SERGAS_HOME : resolve(e.SERGAS_HOME);
  return {
    home,
    stage: e.SERGAS_STAGE,
    port: e.SERGAS_PORT,
    sandboxPort: e.SERGAS_SANDBOX_PORT,
    publicUrl: e.SERGAS_PUBLIC_URL ?? null,
    timeZone: e.SERGAS_TIME_ZONE,
    rules: rules.rules as DomainRules,
    demo: { accounts: e.SERGAS_DEMO_ACCOUNTS, seed: e.SERGAS_DEMO_SEED },
    logLevel: e.LOG_LEVEL,
    database: e.DATABASE_URL
      ? { kind: 'postgres', url: e.DATABASE_URL }
      : { kind: 'pglite', dataDir: resolve(home, 'pgdata') },
    cache: e.REDIS_URL ? { kind: 'redis', url: e.REDIS_URL } : { kind: 'memory' },
    crm: zohoCrmConfig(e) ?? { kind: 'sandbox', dataDir: resolve(home, 'sandbox') },
    zohoSdkTier: e.ZOHO_SDK_TIER,
    workflow: e.STATE_MACHINE_ARN
      ? { kind: 'step-functions', stateMachineArn: e.STATE_MACHINE_ARN }
      : { kind: 'local' },
    notificationToken: e.ZOHO_NOTIFICATION_TOKEN ?? null,
    notificationInbox: e.ZOHO_NOTIFICATION_QUEUE_URL
      ? { kind: 'sqs', queueUrl: e.ZOHO_NOTIFICATION_QUEUE_URL, region: e.AWS_REGION ?? null }
      : { kind: 'inline' },
    llm: {
      anthropicApiKey: e.ANTHROPIC_API_KEY?.trim() || null,
      model: e.ANTHROPIC_MODEL,
      baseUrl: e.ANTHROPIC_BASE_URL ?? null,
      timeoutMs: e.ANTHROPIC_TIMEOUT_MS,
      maxRetries: e.ANTHROPIC_MAX_RETRIES,
      dailyBudgetUsd: e.LLM_DAILY_BUDGET_USD,
    },
    vectors: e.QDRANT_URL
      ? { kind: 'qdrant', url: e.QDRANT_URL, apiKey: e.QDRANT_API_KEY ?? null }
      : { kind: 'database' },
    embeddings:
      e.EMBEDDINGS === 'bedrock'
        ? { kind: 'bedrock', modelId: e.BEDROCK_EMBEDDING_MODEL_ID, region: e.AWS_REGION ?? null }
        : { kind: 'lexical' },
    notifications: {
      outbox: e.SERGAS_STAGE === 'local',
      email: e.SES_FROM_ADDRESS
        ? { from: e.SES_FROM_ADDRESS, configurationSet: e.SES_CONFIGURATION_SET ?? null, region: e.AWS_REGION ?? null }
        : null,
      slack: e.SLACK_WEBHOOK_URL ? { webhookUrl: e.SLACK_WEBHOOK_URL } : null,
    },
    auth:
      e.COGNITO_USER_POOL_ID && e.COGNITO_CLIENT_ID
        ? {
            kind: 'cognito',
            userPoolId: e.COGNITO_USER_POOL_ID,
            clientId: e.COGNITO_CLIENT_ID,
            region: e.COGNITO_USER_POOL_ID.split('_')[0]!,
          }
        : { kind: 'local', secret: e.SERGAS_JWT_SECRET ?? null, secretFile: resolve(home, 'jwt-secret') },
    signIn: signInConfig(e),
    api: {
      corsOrigins:
        e.SERGAS_CORS_ORIGINS.length > 0
          ? e.SERGAS_CORS_ORIGINS.map((url) => new URL(url).origin)
          : e.SERGAS_PUBLIC_URL
            ? [new URL(e.SERGAS_PUBLIC_URL).origin]
            : [],
      rateLimitPerMinute: e.SERGAS_RATE_LIMIT,
    },
  };
}

const signInKind = (e: Env) =>
  e.SERGAS_SIGN_IN ?? (e.COGNITO_USER_POOL_ID && e.COGNITO_CLIENT_ID ? 'cognito' : 'local');
const cognitoRegion = (e: Env) => e.COGNITO_USER_POOL_ID?.split('_')[0] ?? e.AWS_REGION;

/** Cognito sign-in needs the app client and its region (from the pool id, else AWS_REGION). */
function signInProblems(e: Env): string[] {
  if (signInKind(e) !== 'cognito') return [];
  return [
    ...(e.COGNITO_CLIENT_ID ? [] : ['COGNITO_CLIENT_ID: is required when SERGAS_SIGN_IN is cognito']),
    ...(cognitoRegion(e)
      ? []
      : ['COGNITO_USER_POOL_ID: is required (or AWS_REGION) when SERGAS_SIGN_IN is cognito, to find its region']),
  ];
}

function signInConfig(e: Env): Config['signIn'] {
  const region = cognitoRegion(e);
  if (signInKind(e) !== 'cognito' || !region || !e.COGNITO_CLIENT_ID) return { kind: 'local' };
  return {
    kind: 'cognito',
    region,
    clientId: e.COGNITO_CLIENT_ID,
    endpoint: e.COGNITO_ENDPOINT ?? `https://cognito-idp.${region}.amazonaws.com/`,
  };
}

/** A real Zoho org when its credentials are set: the data centre's endpoints, each overridable. */
function zohoCrmConfig(e: Env): Extract<Config['crm'], { kind: 'zoho' }> | null {
  if (!e.ZOHO_CLIENT_ID || !e.ZOHO_CLIENT_SECRET || !e.ZOHO_REFRESH_TOKEN) return null;
  const dc = e.ZOHO_DATA_CENTRE ? zohoEndpoints(e.ZOHO_DATA_CENTRE, e.ZOHO_ENVIRONMENT) : null;
  const accountsUrl = e.ZOHO_ACCOUNTS_URL ?? dc?.accountsUrl;
  if (!accountsUrl) return null;
  return {
    kind: 'zoho',
    accountsUrl,
    apiDomain: e.ZOHO_API_DOMAIN ?? dc?.apiDomain ?? null,
    mcpUrl: e.ZOHO_MCP_URL ?? null,
    clientId: e.ZOHO_CLIENT_ID,
    clientSecret: e.ZOHO_CLIENT_SECRET,
    refreshToken: e.ZOHO_REFRESH_TOKEN,
  };
}

/** The rules file, read and validated with the defaults under it; every problem names the file and field. */
function tenantRules(env: Record<string, string | undefined>): { rules: DomainRules | null; problems: string[] } {
  const file = env.SERGAS_RULES_FILE;
  let overrides: unknown = {};
  if (file) {
    try {
      overrides = JSON.parse(readFileSync(file, 'utf8'));
    } catch (error) {
      return { rules: null, problems: [`SERGAS_RULES_FILE: cannot read ${file}: ${(error as Error).message}`] };
    }
    if (typeof overrides !== 'object' || overrides === null || Array.isArray(overrides)) {
      return { rules: null, problems: [`SERGAS_RULES_FILE: ${file} must hold a JSON object`] };
    }
  }
  const parsed = DomainRulesSchema.safeParse({ ...(overrides as object), timeZone: env.SERGAS_TIME_ZONE ?? 'UTC' });
  if (parsed.success) return { rules: parsed.data, problems: [] };
  return {
    rules: null,
    problems: parsed.error.issues.map((issue) =>
      issue.path[0] === 'timeZone'
        ? `SERGAS_TIME_ZONE: ${issue.message}`
        : `SERGAS_RULES_FILE: ${issue.path.join('.')}: ${issue.message}`,
    ),
  };
}
