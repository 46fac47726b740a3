import { ArnFormat, type Duration, type RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { acknowledge, nagResource } from '../nag.ts';

export interface AppFunctionProps {
  /** Deployed function name, also the name of its log group. */
  readonly functionName: string;
  /** The handler module (repository-relative); shown as the function's description. */
  readonly entry: string;
  /** Directory with the prebundled index.mjs (see infra/bundle-functions.ts). */
  readonly codeDir: string;
  readonly serviceName: string;
  readonly logLevel: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
  readonly logRetention: logs.RetentionDays;
  readonly logRemovalPolicy: RemovalPolicy;
  readonly vpc: ec2.IVpc;
  readonly securityGroup: ec2.ISecurityGroup;
  readonly environment: Readonly<Record<string, string>>;
  readonly memoryMiB: number;
  readonly timeout: Duration;
  readonly reservedConcurrency?: number;
}

/**
 * A Sergas Lambda function: Node 22 on Graviton, prebundled ESM with source maps, Powertools configured
 * by environment, its own log group, X-Ray active, inside the VPC's private subnets.
 */
export class AppFunction extends Construct {
  readonly function: lambda.Function;
  readonly role: iam.IRole;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: AppFunctionProps) {
    super(scope, id);

    this.logGroup = new logs.LogGroup(this, 'LogGroup', {
      logGroupName: `/aws/lambda/${props.functionName}`,
      retention: props.logRetention,
      removalPolicy: props.logRemovalPolicy,
    });

    this.function = new lambda.Function(this, 'Function', {
      functionName: props.functionName,
      description: props.entry,
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      handler: 'index.handler',
      code: lambda.Code.fromAsset(props.codeDir),
      memorySize: props.memoryMiB,
      timeout: props.timeout,
      reservedConcurrentExecutions: props.reservedConcurrency,
      tracing: lambda.Tracing.ACTIVE,
      logGroup: this.logGroup,
      vpc: props.vpc,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      securityGroups: [props.securityGroup],
      environment: {
        ...props.environment,
        NODE_OPTIONS: '--enable-source-maps',
        POWERTOOLS_SERVICE_NAME: props.serviceName,
        POWERTOOLS_LOG_LEVEL: props.logLevel,
        POWERTOOLS_METRICS_NAMESPACE: 'Sergas',
        // Responses carry account data; X-Ray metadata is not a place for PII.
        POWERTOOLS_TRACER_CAPTURE_RESPONSE: 'false',
      },
    });
    this.role = this.function.role!;

    acknowledge(
      this.function,
      'L1',
      'nodejs22.x is the runtime our toolchain targets (esbuild target node22, @middy/core 7 engines >=22); moving to a newer runtime is a deliberate upgrade, not a drift fix.',
    );
    acknowledge(
      this.role,
      'IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      'AWS-maintained policy for writing the function logs; its CreateLogGroup is unused because the log group is created by this stack.',
    );
    acknowledge(
      this.role,
      'IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole]',
      'AWS-maintained policy Lambda needs to manage the ENIs of a VPC function; ENI actions cannot be scoped to a resource.',
    );
    acknowledge(
      this.role,
      'IAM5[Resource::*]',
      'X-Ray active tracing: xray:PutTraceSegments and xray:PutTelemetryRecords do not support resource-level permissions.',
    );
  }
}

// Small bind helpers: each grants one capability with the narrowest actions and resources we can name.

/** Read the database credentials; network access to the RDS Proxy comes from the shared functions SG. */
export function bindDatabase(fn: AppFunction, databaseSecret: secretsmanager.ISecret): void {
  bindSecret(fn, databaseSecret);
}

/**
 * Read one secret, and decrypt it with its KMS key through Secrets Manager only. Written out rather than
 * `secret.grantRead`, which also adds each reader to the key policy: with the key in the stateful stack
 * that would make it depend on the stateless stack's roles (a cycle). The key policy already delegates
 * to IAM in this account.
 */
export function bindSecret(fn: AppFunction, secret: secretsmanager.ISecret): void {
  fn.function.addToRolePolicy(
    new iam.PolicyStatement({
      actions: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
      resources: [secret.secretArn],
    }),
  );
  if (secret.encryptionKey) {
    fn.function.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['kms:Decrypt'],
        resources: [secret.encryptionKey.keyArn],
        conditions: { StringEquals: { 'kms:ViaService': `secretsmanager.${Stack.of(fn).region}.amazonaws.com` } },
      }),
    );
  }
}

export type StateMachineAccess = 'start' | 'respond' | 'read';

/**
 * Use the state machine by its ARN string. The ARN is built from the deterministic state machine name
 * rather than taken from the construct, so functions never depend on the state machine (which itself
 * depends on the workflow functions).
 */
export function bindStateMachine(
  fn: AppFunction,
  stateMachine: { readonly name: string; readonly arn: string },
  access: StateMachineAccess,
): void {
  const stack = Stack.of(fn);
  switch (access) {
    case 'start':
      fn.function.addToRolePolicy(
        new iam.PolicyStatement({ actions: ['states:StartExecution'], resources: [stateMachine.arn] }),
      );
      return;
    case 'respond':
      // Same resource scoping as StateMachine.grantTaskResponse; heartbeats are unused (no HeartbeatSeconds).
      fn.function.addToRolePolicy(
        new iam.PolicyStatement({
          actions: ['states:SendTaskSuccess', 'states:SendTaskFailure'],
          resources: [stateMachine.arn],
        }),
      );
      return;
    case 'read': {
      const executions = stack.formatArn({
        service: 'states',
        resource: 'execution',
        resourceName: `${stateMachine.name}:*`,
        arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      });
      fn.function.addToRolePolicy(
        new iam.PolicyStatement({
          actions: ['states:DescribeExecution', 'states:GetExecutionHistory'],
          resources: [executions],
        }),
      );
      fn.function.addToRolePolicy(
        new iam.PolicyStatement({ actions: ['states:ListExecutions'], resources: [stateMachine.arn] }),
      );
      acknowledge(
        fn.role,
        `IAM5[Resource::${nagResource(fn, executions)}]`,
        'Execution ARNs are only known at run time; the wildcard is limited to executions of this one state machine.',
      );
      return;
    }
  }
}

export interface NamedBucket {
  /** The literal bucket name (not a token), so policies and environment need no cross-stack reference. */
  readonly bucketName: string;
  readonly encryptionKey: kms.IKey;
  readonly bucket: s3.IBucket;
}

export type BucketAccess = 'append' | 'read-write';

/**
 * Object access to one bucket, addressed by its (deterministic) name so the policy is readable and the
 * cdk-nag acknowledgement can name the exact resource.
 */
export function bindBucket(fn: AppFunction, bucket: NamedBucket, access: BucketAccess): void {
  const stack = Stack.of(fn);
  const objects = stack.formatArn({
    service: 's3',
    region: '',
    account: '',
    resource: bucket.bucketName,
    resourceName: '*',
    arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
  });
  // Appending never needs read, overwrite protection is the bucket's Object Lock, and nobody deletes.
  const actions = access === 'append' ? ['s3:PutObject'] : ['s3:PutObject', 's3:GetObject'];
  fn.function.addToRolePolicy(new iam.PolicyStatement({ actions, resources: [objects] }));
  fn.function.addToRolePolicy(
    new iam.PolicyStatement({
      actions: access === 'append' ? ['kms:GenerateDataKey'] : ['kms:GenerateDataKey', 'kms:Decrypt'],
      resources: [bucket.encryptionKey.keyArn],
    }),
  );
  acknowledge(
    fn.role,
    `IAM5[Resource::${nagResource(fn, objects)}]`,
    'Object keys are chosen at run time (one per audit event or export); the wildcard covers objects of this bucket only.',
  );
}

/** Invoke one Bedrock foundation model (the Embedder port on AWS). */
export function bindEmbeddings(fn: AppFunction, modelId: string): void {
  fn.function.addToRolePolicy(
    new iam.PolicyStatement({
      actions: ['bedrock:InvokeModel'],
      resources: [
        Stack.of(fn).formatArn({
          service: 'bedrock',
          account: '',
          resource: 'foundation-model',
          resourceName: modelId,
        }),
      ],
    }),
  );
}

/** SES e-mail as one verified identity; absent when e-mail is off. */
export interface SesSending {
  /** SES_FROM_ADDRESS, passed to the function as is. */
  readonly fromAddress: string;
  /** The verified identity (domain or address) the From address belongs to. */
  readonly identity: string;
  readonly configurationSet: string | null;
}

/**
 * Send messages to people: read the Slack webhook secret, and (when e-mail is configured) `ses:SendEmail`
 * as exactly the configured identity, naming the configuration set too when there is one, since SES v2
 * authorizes SendEmail against both.
 */
export function bindNotify(fn: AppFunction, slackSecret: secretsmanager.ISecret, email: SesSending | null): void {
  bindSecret(fn, slackSecret);
  fn.function.addEnvironment('SLACK_SECRET_ARN', slackSecret.secretArn);
  if (!email) return;
  const stack = Stack.of(fn);
  const resources = [
    stack.formatArn({ service: 'ses', resource: 'identity', resourceName: email.identity }),
    ...(email.configurationSet
      ? [stack.formatArn({ service: 'ses', resource: 'configuration-set', resourceName: email.configurationSet })]
      : []),
  ];
  fn.function.addToRolePolicy(new iam.PolicyStatement({ actions: ['ses:SendEmail'], resources }));
  fn.function.addEnvironment('SES_FROM_ADDRESS', email.fromAddress);
  if (email.configurationSet) fn.function.addEnvironment('SES_CONFIGURATION_SET', email.configurationSet);
}

/** Send messages to one queue, and nothing else: no receive, no delete, no purge. */
export function bindQueueSend(fn: AppFunction, queue: sqs.IQueue): void {
  fn.function.addToRolePolicy(new iam.PolicyStatement({ actions: ['sqs:SendMessage'], resources: [queue.queueArn] }));
  if (queue.encryptionMasterKey) {
    fn.function.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
        resources: [queue.encryptionMasterKey.keyArn],
      }),
    );
  }
}
