import { App, Tags, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { bundleFunctions, DEFAULT_FUNCTIONS_OUT_DIR } from './bundle-functions.ts';
import { loadConfig, type SergasConfig } from './config.ts';
import { FUNCTIONS, ROTATION_FUNCTIONS } from './function-catalog.ts';
import { StatefulStack } from './stacks/stateful-stack.ts';
import { StatelessStack } from './stacks/stateless-stack.ts';

export interface SergasAppOptions {
  /** Context values as `-c key=value` would give them (tests; the CLI passes its own, cdk.json included). */
  readonly context?: Record<string, string>;
  /** Cloud assembly directory (tests use a temporary one). */
  readonly outdir?: string;
  /** Where the function bundles go (tests use a temporary one so parallel files never share it). */
  readonly functionsOutDir?: string;
}

export interface SergasApp {
  readonly app: App;
  readonly config: SergasConfig;
  readonly stateful: StatefulStack;
  readonly stateless: StatelessStack;
  readonly bundleMillis: number;
}

/**
 * The CDK feature flags we depend on, set here rather than only in cdk.json so tests (which build the
 * app without the CLI) synthesize exactly what `cdk synth` does.
 */
const FEATURE_FLAGS: Record<string, boolean | string> = {
  // Access-log delivery through a bucket policy instead of the legacy LogDeliveryWrite ACL.
  '@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy': true,
  '@aws-cdk/aws-s3:createDefaultLoggingPolicy': true,
  // Proxy names unique per stack, so dev and prod can share an account.
  '@aws-cdk/aws-rds:databaseProxyUniqueResourceName': true,
  '@aws-cdk/aws-rds:preventRenderingDeprecatedCredentials': true,
  '@aws-cdk/aws-efs:denyAnonymousAccess': true,
  '@aws-cdk/aws-ecs:reduceEc2FargateCloudWatchPermissions': true,
  '@aws-cdk/aws-apigateway:logGroupDestinationArnWithoutWildcard': true,
  '@aws-cdk/aws-apigateway:requestValidatorUniqueId': true,
  // Exports/imports: the stateful stack (data) cannot be deleted or changed under a deployed stateless stack.
  '@aws-cdk/core:defaultCrossStackReferences': 'strong',
};

/** Builds the whole CDK app (bundling the functions first); `app.synth()` then runs cdk-nag. */
export function buildSergasApp(options: SergasAppOptions = {}): SergasApp {
  const app = new App({
    ...(options.outdir ? { outdir: options.outdir } : {}),
    // Explicit context (tests) wins over the defaults; the CLI's -c and cdk.json win over both.
    context: { ...FEATURE_FLAGS, ...options.context },
  });
  const config = loadConfig((key) => app.node.tryGetContext(key));
  const env = { account: config.account, region: config.region };

  // A finding that is neither fixed nor acknowledged (with a reason) fails synth.
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  Tags.of(app).add('project', 'sergas');
  Tags.of(app).add('stage', config.stage);

  const bundle = bundleFunctions(
    [...FUNCTIONS, ...ROTATION_FUNCTIONS],
    options.functionsOutDir ?? DEFAULT_FUNCTIONS_OUT_DIR,
  );

  const stateful = new StatefulStack(app, `Sergas-${config.stage}-Stateful`, {
    env,
    config,
    rotationFunctions: ROTATION_FUNCTIONS,
    codeDirs: bundle.dirs,
    description: `Sergas ${config.stage}: network, data stores, buckets and secrets`,
    terminationProtection: config.stage === 'prod',
  });
  const stateless = new StatelessStack(app, `Sergas-${config.stage}-Stateless`, {
    env,
    config,
    stateful: stateful.resources,
    dependsOn: stateful,
    functions: FUNCTIONS,
    rotationFunctions: ROTATION_FUNCTIONS,
    codeDirs: bundle.dirs,
    description: `Sergas ${config.stage}: functions, API, workflows and schedules`,
  });

  return { app, config, stateful, stateless, bundleMillis: bundle.millis };
}
