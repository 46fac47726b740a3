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
  readonly settings: StageSettings;
}

/** Reads and validates the app context; fails listing every problem at once. */
export function loadConfig(readContext: (key: string) => unknown, env: NodeJS.ProcessEnv = process.env): SergasConfig {
  const raw = Object.fromEntries(Object.keys(AppContext.shape).map((key) => [key, readContext(key) ?? undefined]));
  const parsed = AppContext.safeParse(raw);
  if (!parsed.success) {
    throw new Error(`Invalid CDK context (-c key=value):\n${z.prettifyError(parsed.error)}`);
  }
  const context = parsed.data;
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
    settings: STAGE_SETTINGS[context.stage],
  };
}

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
  },
};
