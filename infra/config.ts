import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { z } from 'zod';

/**
 * Everything the CDK app reads from `-c key=value` (or cdk.json "context"), parsed once.
 * CLI context values arrive as strings, so every field accepts its string form.
 */
const isTimeZone = (value: string): boolean => {
  try {
    new Intl.DateTimeFormat('en', { timeZone: value });
    return true;
  } catch {
    return false;
  }
};

const csv = z
  .string()
  .transform((value) =>
    value
      .split(',')
      .map((item) => item.trim())
      .filter(Boolean),
  )
  .pipe(z.array(z.string().regex(/^[a-z]{2}(-gov)?-[a-z]+-\d[a-z]$/, 'an availability zone like eu-west-1a')).min(2));

export const AppContext = z.object({
  stage: z.enum(['dev', 'prod']).default('dev'),
  account: z
    .string()
    .regex(/^\d{12}$/, 'a 12-digit AWS account id')
    .optional(),
  region: z
    .string()
    .regex(/^[a-z]{2}(-gov)?-[a-z]+-\d$/, 'an AWS region like eu-west-1')
    .optional(),
  /** Two or more AZs, comma separated; defaults to `<region>a,<region>b` so synth never needs an AZ lookup. */
  availabilityZones: csv.optional(),
  scheduleTimezone: z.string().refine(isTimeZone, 'an IANA time zone like Europe/Madrid').default('UTC'),
  /** The URL people open (custom domain); without it links are built from the API Gateway stage URL. */
  publicBaseUrl: z.url({ protocol: /^https$/ }).optional(),
  /** Other origins (comma separated https URLs) whose pages may call the API; default the public URL's. */
  corsOrigins: z
    .string()
    .transform((value) =>
      value
        .split(',')
        .map((item) => item.trim())
        .filter(Boolean),
    )
    .pipe(z.array(z.url({ protocol: /^https$/ }).transform((url) => new URL(url).origin)))
    .optional(),
  /** Messages to people also go out by e-mail, through SES v2 from this verified address; none: no e-mail. */
  sesFromAddress: z
    .string()
    .regex(
      /^(?:[^<>@\s]+@[^<>@\s]+\.[^<>@\s]+|[^<>]*<[^<>@\s]+@[^<>@\s]+\.[^<>@\s]+>)$/,
      'an e-mail address, optionally as "Name <address>"',
    )
    .optional(),
  /** The SES identity the address is verified under (a domain or the address itself); default its domain. */
  sesIdentity: z
    .string()
    .regex(/^(?:[^<>@\s]+@)?[a-z0-9-]+(?:\.[a-z0-9-]+)+$/i, 'a domain or an e-mail address verified in SES')
    .optional(),
  /** The SES configuration set every e-mail names (event destinations for bounces and complaints). */
  sesConfigurationSet: z
    .string()
    .regex(/^[\w-]{1,64}$/, 'an SES configuration set name (letters, digits, _ and -)')
    .optional(),
  /** Subscribed (by e-mail, confirmed once) to the alarm topic; without it, subscribe someone out of band. */
  alarmEmail: z.email('an e-mail address for alarm notifications').optional(),
  /** Claude's daily spend limit in US dollars (LLM_DAILY_BUDGET_USD); the spend alarm fires at it. */
  llmDailyBudgetUsd: z.coerce.number().positive('a positive number of US dollars').optional(),
});
export type AppContext = z.infer<typeof AppContext>;
export type StageName = AppContext['stage'];

/** Placeholder environment so `cdk synth` works with no credentials; a real deploy gets CDK_DEFAULT_* from the CLI. */
export const PLACEHOLDER_ACCOUNT = '123456789012';
export const PLACEHOLDER_REGION = 'us-east-1';

export interface SergasConfig {
  readonly stage: StageName;
  readonly account: string;
  readonly region: string;
  readonly availabilityZones: readonly string[];
  readonly scheduleTimezone: string;
  readonly publicBaseUrl: string | undefined;
  /** Origins allowed by CORS (SERGAS_CORS_ORIGINS for the functions, the preflight for API Gateway). */
  readonly corsOrigins: readonly string[];
  /** SES e-mail for the functions that notify people; null leaves e-mail off (and grants no SES access). */
  readonly email: SesEmailConfig | null;
  /** Who is e-mailed when an alarm changes state; null: nobody until someone subscribes to the topic. */
  readonly alarmEmail: string | null;
  /** Claude's daily budget (the author stops at it and writes with the rules); default the stage's. */
  readonly llmDailyBudgetUsd: number;
  readonly settings: StageSettings;
}

export interface SesEmailConfig {
  /** SES_FROM_ADDRESS as given (`name@domain` or `Name <name@domain>`). */
  readonly fromAddress: string;
  /** The verified SES identity (domain or address) whose ARN the functions may send as. */
  readonly identity: string;
  readonly configurationSet: string | null;
}

/** Reads and validates the app context; fails listing every problem at once. */
export function loadConfig(readContext: (key: string) => unknown, env: NodeJS.ProcessEnv = process.env): SergasConfig {
  const raw = Object.fromEntries(Object.keys(AppContext.shape).map((key) => [key, readContext(key) ?? undefined]));
  const parsed = AppContext.safeParse(raw);
  if (!parsed.success) {
    throw new Error(`Invalid CDK context (-c key=value):\n${z.prettifyError(parsed.error)}`);
  }
  const context = parsed.data;
  if (!context.sesFromAddress && (context.sesIdentity || context.sesConfigurationSet)) {
    throw new Error(
      'Invalid CDK context (-c key=value):\n✖ sesIdentity and sesConfigurationSet need sesFromAddress (e-mail is off without it)',
    );
  }
  const account = context.account ?? env.CDK_DEFAULT_ACCOUNT ?? PLACEHOLDER_ACCOUNT;
  const region = context.region ?? env.CDK_DEFAULT_REGION ?? PLACEHOLDER_REGION;
  return {
    stage: context.stage,
    account,
    region,
    availabilityZones: context.availabilityZones ?? [`${region}a`, `${region}b`],
    scheduleTimezone: context.scheduleTimezone,
    publicBaseUrl: context.publicBaseUrl?.replace(/\/+$/, ''),
    corsOrigins: context.corsOrigins ?? (context.publicBaseUrl ? [new URL(context.publicBaseUrl).origin] : []),
    email: context.sesFromAddress
      ? {
          fromAddress: context.sesFromAddress,
          identity: context.sesIdentity ?? sesAddressOf(context.sesFromAddress).split('@')[1]!,
          configurationSet: context.sesConfigurationSet ?? null,
        }
      : null,
    alarmEmail: context.alarmEmail ?? null,
    llmDailyBudgetUsd: context.llmDailyBudgetUsd ?? STAGE_SETTINGS[context.stage].llmDailyBudgetUsd,
    settings: STAGE_SETTINGS[context.stage],
  };
}

/** The bare address of `Name <name@domain>` or `name@domain`. */
const sesAddressOf = (from: string): string => from.match(/<([^<>]+)>$/)?.[1] ?? from;

/** What differs between stages: size, durability and how hard it is to delete things. */
export interface StageSettings {
  readonly natGateways: number;
  readonly removalPolicy: RemovalPolicy;
  readonly deletionProtection: boolean;
  readonly logRetention: RetentionDays;
  readonly powertoolsLogLevel: 'DEBUG' | 'INFO';
  readonly database: {
    readonly instanceClass: string;
    readonly multiAz: boolean;
    readonly backupRetention: Duration;
    readonly allocatedStorageGiB: number;
    readonly maxAllocatedStorageGiB: number;
  };
  readonly redis: { readonly nodeType: string; readonly replicas: number };
  readonly qdrant: { readonly cpu: number; readonly memoryMiB: number };
  readonly auditRetention: { readonly mode: 'GOVERNANCE' | 'COMPLIANCE'; readonly days: number };
  readonly apiThrottle: { readonly rateLimit: number; readonly burstLimit: number };
  /** WAF rate-based rule: requests per client IP per 5 minutes. */
  readonly wafRateLimit: number;
  /** Reserved concurrency needs account headroom a fresh account does not have (limit 10), so only prod uses it. */
  readonly reserveConcurrency: boolean;
  /** Claude's daily spend limit unless `-c llmDailyBudgetUsd` says otherwise; the functions' default is $5. */
  readonly llmDailyBudgetUsd: number;
  readonly alarms: AlarmThresholds;
}

/** When the alarms of constructs/operations-monitoring.ts fire. */
export interface AlarmThresholds {
  /** Failed executions of one state machine within 5 minutes. */
  readonly failedRuns: number;
  /** Hours the oldest approval may wait on a person: the workflow itself expires one after 72 h + 24 h. */
  readonly approvalBacklogAgeHours: number;
  /** Zoho 429 answers within 5 minutes. */
  readonly zohoThrottled: number;
  /** Zoho API credits left below which the alarm fires (syncs wait below 10 % of the daily allowance). */
  readonly zohoCreditsRemaining: number;
  /** API 5xx answers within 5 minutes. */
  readonly api5xx: number;
  /** p99 latency of the buffered API routes (event streams excluded), in ms, for 15 minutes running. */
  readonly apiLatencyP99Ms: number;
}

const STAGE_SETTINGS: Record<StageName, StageSettings> = {
  dev: {
    natGateways: 1,
    // Dev data is a copy of Zoho that a full sync recreates, so tearing a dev stack down may delete it.
    removalPolicy: RemovalPolicy.DESTROY,
    deletionProtection: false,
    logRetention: RetentionDays.TWO_WEEKS,
    powertoolsLogLevel: 'DEBUG',
    database: {
      instanceClass: 't4g.micro',
      multiAz: false,
      backupRetention: Duration.days(7),
      allocatedStorageGiB: 20,
      maxAllocatedStorageGiB: 50,
    },
    redis: { nodeType: 'cache.t4g.micro', replicas: 0 },
    qdrant: { cpu: 512, memoryMiB: 1024 },
    // GOVERNANCE so a dev stack can be torn down by someone allowed to bypass retention.
    auditRetention: { mode: 'GOVERNANCE', days: 1 },
    apiThrottle: { rateLimit: 20, burstLimit: 40 },
    wafRateLimit: 500,
    reserveConcurrency: false,
    llmDailyBudgetUsd: 5,
    // Looser than prod: dev runs experiments against a sandbox org, and nobody is paged for it.
    alarms: {
      failedRuns: 3,
      approvalBacklogAgeHours: 96,
      zohoThrottled: 20,
      zohoCreditsRemaining: 1000,
      api5xx: 10,
      apiLatencyP99Ms: 10_000,
    },
  },
  prod: {
    natGateways: 2,
    removalPolicy: RemovalPolicy.RETAIN,
    deletionProtection: true,
    logRetention: RetentionDays.THREE_MONTHS,
    powertoolsLogLevel: 'INFO',
    database: {
      instanceClass: 'm7g.large',
      multiAz: true,
      backupRetention: Duration.days(30),
      allocatedStorageGiB: 50,
      maxAllocatedStorageGiB: 500,
    },
    redis: { nodeType: 'cache.t4g.small', replicas: 1 },
    qdrant: { cpu: 1024, memoryMiB: 4096 },
    // Seven years is the usual audit-trail horizon; COMPLIANCE means nobody, root included, can shorten it.
    auditRetention: { mode: 'COMPLIANCE', days: 2557 },
    apiThrottle: { rateLimit: 50, burstLimit: 100 },
    wafRateLimit: 2000,
    reserveConcurrency: true,
    llmDailyBudgetUsd: 5,
    alarms: {
      failedRuns: 1,
      approvalBacklogAgeHours: 96,
      zohoThrottled: 5,
      // The credit budget's background reserve (10 % of 50,000): from here on full syncs wait.
      zohoCreditsRemaining: 5000,
      api5xx: 5,
      apiLatencyP99Ms: 5000,
    },
  },
};
