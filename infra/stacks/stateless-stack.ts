import { join } from 'node:path';
import { ArnFormat, CfnOutput, Duration, Stack, type StackProps, TimeZone } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as destinations from 'aws-cdk-lib/aws-lambda-destinations';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as schedulerTargets from 'aws-cdk-lib/aws-scheduler-targets';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { REPO_ROOT } from '../bundle-functions.ts';
import type { SergasConfig } from '../config.ts';
import {
  AppFunction,
  bindBucket,
  bindDatabase,
  bindEmbeddings,
  bindNotify,
  bindQueueSend,
  bindSecret,
  bindStateMachine,
} from '../constructs/app-function.ts';
import { NotificationQueue } from '../constructs/notification-queue.ts';
import { OperationsMonitoring } from '../constructs/operations-monitoring.ts';
import { SergasApi } from '../constructs/sergas-api.ts';
import {
  DEFAULT_MEMORY_MIB,
  type FunctionSpec,
  type RotationFunctionSpec,
  rotationFunctionName,
  timeoutOf,
} from '../function-catalog.ts';
import { acknowledge, nagResource } from '../nag.ts';
import type { StatefulResources } from './stateful-stack.ts';

export const ACCOUNT_ANALYSIS_ASL = join(REPO_ROOT, 'statemachines', 'account-analysis.asl.json');
export const BATCH_ANALYSIS_ASL = join(REPO_ROOT, 'statemachines', 'batch-analysis.asl.json');
/** Titan Text Embeddings v2: the Embedder port on AWS (ARCHITECTURE §4). */
export const EMBEDDING_MODEL_ID = 'amazon.titan-embed-text-v2:0';

export interface StatelessStackProps extends StackProps {
  readonly config: SergasConfig;
  readonly stateful: StatefulResources;
  /** Declared before any grant: KMS grants then name the account, not our roles, in the key policy. */
  readonly dependsOn: Stack;
  readonly functions: readonly FunctionSpec[];
  /** The stateful stack's secret rotations: watched by name, since they are deployed there. */
  readonly rotationFunctions: readonly RotationFunctionSpec[];
  /** Function id → directory with its prebundled index.mjs. */
  readonly codeDirs: ReadonlyMap<string, string>;
}

/** Functions, the API, the account-analysis state machine and the sync schedules. */
export class StatelessStack extends Stack {
  readonly functions: ReadonlyMap<string, AppFunction>;
  readonly api: SergasApi;
  readonly stateMachine: sfn.StateMachine;
  /** Starts one account-analysis execution per account (a DISTRIBUTED Map). */
  readonly batchStateMachine: sfn.StateMachine;
  /** The alarms, their SNS topic and the operations dashboard. */
  readonly monitoring: OperationsMonitoring;

  constructor(scope: Construct, id: string, props: StatelessStackProps) {
    super(scope, id, props);
    this.addStackDependency(props.dependsOn);
    const { config, stateful } = props;
    const { settings, stage } = config;

    // Deterministic name → ARN without a token: functions that start or resume runs reference this string
    // instead of the state machine, which itself depends on the workflow functions.
    const stateMachineName = `sergas-${stage}-account-analysis`;
    const stateMachineRef = {
      name: stateMachineName,
      arn: this.formatArn({
        service: 'states',
        resource: 'stateMachine',
        resourceName: stateMachineName,
        arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      }),
    };

    this.api = new SergasApi(this, 'Api', { stageName: stage, settings, corsOrigins: config.corsOrigins });
    // Built from the API id and stage name (not api.url, which depends on the deployment and so on every
    // route's function): links in e-mails and pages need it, and using the deployment would be a cycle.
    const publicBaseUrl =
      config.publicBaseUrl ?? `https://${this.api.api.restApiId}.execute-api.${this.region}.${this.urlSuffix}/${stage}`;

    const sharedEnvironment: Record<string, string> = {
      SERGAS_STAGE: stage,
      DATABASE_SECRET_ARN: stateful.database.secret.secretArn,
      DATABASE_PROXY_ENDPOINT: stateful.database.proxyEndpoint,
      QDRANT_URL: stateful.qdrantUrl,
      AUDIT_BUCKET: stateful.auditBucket.bucketName,
      EXPORT_BUCKET: stateful.exportBucket.bucketName,
      PUBLIC_BASE_URL: publicBaseUrl,
      // The names shared/config/config.ts reads today for the same settings.
      SERGAS_PUBLIC_URL: publicBaseUrl,
      SERGAS_TIME_ZONE: config.scheduleTimezone,
      // Routes without the Cognito authorizer (approval pages, sign-in) verify the ID token themselves.
      COGNITO_USER_POOL_ID: this.api.userPool.userPoolId,
      COGNITO_CLIENT_ID: this.api.userPoolClient.userPoolClientId,
      ...(config.corsOrigins.length > 0 ? { SERGAS_CORS_ORIGINS: config.corsOrigins.join(',') } : {}),
      LOG_LEVEL: settings.powertoolsLogLevel.toLowerCase(),
    };

    const consumers = props.functions.filter((spec) => spec.consumes === 'zoho-notifications');
    const notificationQueue = new NotificationQueue(this, 'ZohoNotifications', {
      queueName: `sergas-${stage}-zoho-notifications`,
      consumerTimeout: Duration.seconds(Math.max(30, ...consumers.map(timeoutOf))),
      maxReceiveCount: 5,
    });

    const functions = new Map<string, AppFunction>();
    for (const spec of props.functions) {
      const codeDir = props.codeDirs.get(spec.id);
      if (!codeDir) throw new Error(`No bundle for function ${spec.id}`);
      const usesRuns = spec.binds.some((binding) => binding.startsWith('runs-'));
      const fn = new AppFunction(this, spec.id, {
        functionName: `sergas-${stage}-${spec.id}`,
        entry: spec.entry,
        codeDir,
        serviceName: spec.id,
        logLevel: settings.powertoolsLogLevel,
        logRetention: settings.logRetention,
        logRemovalPolicy: settings.removalPolicy,
        vpc: stateful.vpc,
        securityGroup: stateful.functionsSecurityGroup,
        environment: {
          ...sharedEnvironment,
          ...(usesRuns ? { STATE_MACHINE_ARN: stateMachineRef.arn } : {}),
          // A function learns of a secret only when it may read it: the runtime treats an absent
          // name as "not bound" instead of failing on an AccessDenied at cold start.
          ...(spec.binds.includes('redis')
            ? { REDIS_ENDPOINT: stateful.redis.endpoint, REDIS_AUTH_SECRET_ARN: stateful.redis.authSecret.secretArn }
            : {}),
          ...(spec.binds.includes('zoho') ? { ZOHO_SECRET_ARN: stateful.zohoSecret.secretArn } : {}),
          ...(spec.binds.includes('anthropic')
            ? {
                ANTHROPIC_SECRET_ARN: stateful.anthropicSecret.secretArn,
                // The budget the author stops at is the one the spend alarm watches.
                LLM_DAILY_BUDGET_USD: String(config.llmDailyBudgetUsd),
              }
            : {}),
          ...(spec.binds.includes('embeddings') ? { EMBEDDING_MODEL_ID } : {}),
          ...(spec.binds.includes('notification-queue')
            ? { ZOHO_NOTIFICATION_QUEUE_URL: notificationQueue.queue.queueUrl }
            : {}),
        },
        memoryMiB: spec.memoryMiB ?? DEFAULT_MEMORY_MIB,
        timeout: Duration.seconds(timeoutOf(spec)),
        reservedConcurrency: settings.reserveConcurrency ? spec.reservedConcurrency : undefined,
      });
      for (const binding of spec.binds) {
        switch (binding) {
          case 'database':
            bindDatabase(fn, stateful.database.secret);
            break;
          case 'redis':
            bindSecret(fn, stateful.redis.authSecret);
            break;
          case 'zoho':
            bindSecret(fn, stateful.zohoSecret);
            break;
          case 'anthropic':
            bindSecret(fn, stateful.anthropicSecret);
            break;
          case 'embeddings':
            bindEmbeddings(fn, EMBEDDING_MODEL_ID);
            break;
          case 'audit-write':
            bindBucket(fn, stateful.auditBucket, 'append');
            break;
          case 'exports-write':
            bindBucket(fn, stateful.exportBucket, 'read-write');
            break;
          case 'runs-start':
            bindStateMachine(fn, stateMachineRef, 'start');
            break;
          case 'runs-respond':
            bindStateMachine(fn, stateMachineRef, 'respond');
            break;
          case 'runs-read':
            bindStateMachine(fn, stateMachineRef, 'read');
            break;
          case 'notify':
            bindNotify(fn, stateful.slackSecret, config.email);
            break;
          case 'notification-queue':
            bindQueueSend(fn, notificationQueue.queue);
            break;
        }
      }
      if (spec.route) this.api.addRoute(spec.route, fn.function);
      if (spec.consumes === 'zoho-notifications') notificationQueue.addConsumer(fn.function);
      functions.set(spec.id, fn);
    }
    this.functions = functions;

    this.stateMachine = this.createStateMachine(config, stateMachineName, props.functions);
    this.batchStateMachine = this.createBatchStateMachine(config, props.functions, stateMachineRef);
    const scheduleDeadLetters = this.createSchedules(config, props.functions);
    this.monitoring = new OperationsMonitoring(this, 'Monitoring', {
      stage,
      thresholds: settings.alarms,
      llmDailyBudgetUsd: config.llmDailyBudgetUsd,
      alarmEmail: config.alarmEmail,
      removalPolicy: settings.removalPolicy,
      stateMachines: [
        { name: 'account-analysis', stateMachine: this.stateMachine },
        { name: 'batch-analysis', stateMachine: this.batchStateMachine },
      ],
      api: this.api.api,
      streamedRoutes: props.functions.flatMap((spec) => (spec.route?.streaming ? [spec.route] : [])),
      deadLetterQueues: [...scheduleDeadLetters, { name: 'zoho-notifications', queue: notificationQueue.deadLetters }],
      unattendedFunctions: props.rotationFunctions.map((spec) => ({
        name: spec.id,
        functionName: rotationFunctionName(stage, spec),
      })),
    });

    new CfnOutput(this, 'ApiUrl', { value: this.api.api.url });
    new CfnOutput(this, 'PublicBaseUrl', { value: publicBaseUrl });
    new CfnOutput(this, 'UserPoolId', { value: this.api.userPool.userPoolId });
    new CfnOutput(this, 'UserPoolClientId', { value: this.api.userPoolClient.userPoolClientId });
    new CfnOutput(this, 'StateMachineArn', { value: this.stateMachine.stateMachineArn });
    new CfnOutput(this, 'BatchStateMachineArn', { value: this.batchStateMachine.stateMachineArn });
  }

  private createStateMachine(config: SergasConfig, name: string, specs: readonly FunctionSpec[]): sfn.StateMachine {
    const tasks = specs.filter((spec) => spec.aslPlaceholder && !spec.aslMachine);
    const taskFunctions = tasks.map((spec) => this.functionOf(spec.id).function);

    const role = new iam.Role(this, 'AccountAnalysisRole', {
      assumedBy: new iam.ServicePrincipal('states.amazonaws.com'),
      description: `Runs ${name}`,
    });
    // Exactly the task functions, unqualified: the ASL invokes them by ARN, never a version or alias.
    role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['lambda:InvokeFunction'],
        resources: taskFunctions.map((fn) => fn.functionArn),
      }),
    );

    const logGroup = new logs.LogGroup(this, 'AccountAnalysisLogs', {
      logGroupName: `/aws/vendedlogs/states/${name}`,
      retention: config.settings.logRetention,
      removalPolicy: config.settings.removalPolicy,
    });
    const stateMachine = new sfn.StateMachine(this, 'AccountAnalysis', {
      stateMachineName: name,
      stateMachineType: sfn.StateMachineType.STANDARD,
      definitionBody: sfn.DefinitionBody.fromFile(ACCOUNT_ANALYSIS_ASL),
      definitionSubstitutions: Object.fromEntries(
        tasks.map((spec) => [spec.aslPlaceholder!, this.functionOf(spec.id).function.functionArn]),
      ),
      role,
      // Every state transition is logged, but without inputs and outputs: they carry CRM data and
      // recommendation text (PII stays out of logs). The execution history still has them for debugging.
      logs: { destination: logGroup, level: sfn.LogLevel.ALL, includeExecutionData: false },
      tracingEnabled: true,
    });
    acknowledge(
      role,
      'IAM5[Resource::*]',
      'CloudWatch Logs delivery (logs:CreateLogDelivery and friends) and X-Ray (xray:PutTraceSegments) do not support resource-level permissions.',
    );
    return stateMachine;
  }

  /**
   * statemachines/batch-analysis.asl.json, deployed as written: its Map is DISTRIBUTED (each account's
   * start is a child execution of a Map Run) and starts account-analysis executions fire-and-forget,
   * named by the run ids PrepareRun gives them. The local runner runs the same Map INLINE.
   */
  private createBatchStateMachine(
    config: SergasConfig,
    specs: readonly FunctionSpec[],
    accountAnalysis: { name: string; arn: string },
  ): sfn.StateMachine {
    const name = `sergas-${config.stage}-batch-analysis`;
    // The machine's own ARN as a string, not a token: its role must name it, and the machine needs the role.
    const ownArn = this.formatArn({
      service: 'states',
      resource: 'stateMachine',
      resourceName: name,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    const mapRunExecutions = this.formatArn({
      service: 'states',
      resource: 'execution',
      resourceName: `${name}/*`,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    const tasks = specs.filter((spec) => spec.aslPlaceholder && spec.aslMachine === 'batch-analysis');
    const role = new iam.Role(this, 'BatchAnalysisRole', {
      assumedBy: new iam.ServicePrincipal('states.amazonaws.com'),
      description: `Runs ${name}`,
    });
    role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['lambda:InvokeFunction'],
        resources: tasks.map((spec) => this.functionOf(spec.id).function.functionArn),
      }),
    );
    // StartAccountAnalysis starts the account-analysis machine; the Distributed Map starts its own child
    // executions (of this machine) and describes and stops them.
    role.addToPolicy(
      new iam.PolicyStatement({ actions: ['states:StartExecution'], resources: [accountAnalysis.arn, ownArn] }),
    );
    role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['states:DescribeExecution', 'states:StopExecution'],
        resources: [mapRunExecutions],
      }),
    );

    const logGroup = new logs.LogGroup(this, 'BatchAnalysisLogs', {
      logGroupName: `/aws/vendedlogs/states/${name}`,
      retention: config.settings.logRetention,
      removalPolicy: config.settings.removalPolicy,
    });
    const stateMachine = new sfn.StateMachine(this, 'BatchAnalysis', {
      stateMachineName: name,
      stateMachineType: sfn.StateMachineType.STANDARD,
      definitionBody: sfn.DefinitionBody.fromFile(BATCH_ANALYSIS_ASL),
      definitionSubstitutions: {
        ...Object.fromEntries(
          tasks.map((spec) => [spec.aslPlaceholder!, this.functionOf(spec.id).function.functionArn]),
        ),
        AccountAnalysisStateMachineArn: accountAnalysis.arn,
      },
      role,
      // Account ids only, but the same rule as the account analysis: no execution data in logs.
      logs: { destination: logGroup, level: sfn.LogLevel.ALL, includeExecutionData: false },
      tracingEnabled: true,
    });
    acknowledge(
      role,
      'IAM5[Resource::*]',
      'CloudWatch Logs delivery (logs:CreateLogDelivery and friends) and X-Ray (xray:PutTraceSegments) do not support resource-level permissions.',
    );
    acknowledge(
      role,
      `IAM5[Resource::${nagResource(this, mapRunExecutions)}]`,
      'A Distributed Map names its child executions itself (<machine>/<map run>:<id>); the wildcard stays within this machine’s executions.',
    );
    return stateMachine;
  }

  /** One schedule per scheduled function, each with its dead-letter queue (returned, by schedule name). */
  private createSchedules(config: SergasConfig, specs: readonly FunctionSpec[]): { name: string; queue: sqs.IQueue }[] {
    const deadLetterQueues: { name: string; queue: sqs.IQueue }[] = [];
    const timeZone = TimeZone.of(config.scheduleTimezone);
    const schedules = {
      // 02:00 local: the CRM is quiet and the day's analyses have finished.
      'daily-full-sync': {
        expression: scheduler.ScheduleExpression.cron({ minute: '0', hour: '2', timeZone }),
        maxEventAge: Duration.hours(2),
        description: 'Full Zoho → Postgres sync, daily at 02:00',
      },
      // Quarter past, so the 02:00 full sync never starts in the same minute as an incremental one.
      'hourly-incremental-sync': {
        expression: scheduler.ScheduleExpression.cron({ minute: '15', timeZone }),
        // An hour-old incremental sync is superseded by the next one.
        maxEventAge: Duration.minutes(45),
        description: 'Incremental Zoho → Postgres sync, hourly',
      },
      // Zoho channels live a week and are renewed with a day left, so four checks a day leave ample retries.
      'notification-channel-check': {
        expression: scheduler.ScheduleExpression.rate(Duration.hours(6)),
        maxEventAge: Duration.hours(1),
        description: 'Keep the Zoho notification channel subscribed and renewed',
      },
      // On the hour: an owner's brief goes out in the first run after 06:00 where they are.
      'hourly-owner-briefs': {
        expression: scheduler.ScheduleExpression.cron({ minute: '0', timeZone }),
        maxEventAge: Duration.minutes(45),
        description: "Owner briefs, hourly, to each owner past 06:00 in their time zone who has not had today's",
      },
      // Half past, away from the syncs: one reminder per approval still pending 24 hours after it was requested.
      'hourly-approval-reminders': {
        expression: scheduler.ScheduleExpression.cron({ minute: '30', timeZone }),
        maxEventAge: Duration.minutes(45),
        description: 'Approval reminders at 24 h, hourly',
      },
    } as const;

    for (const spec of specs) {
      if (!spec.schedule) continue;
      const plan = schedules[spec.schedule];
      const fn = this.functionOf(spec.id);
      const deadLetters = new sqs.Queue(this, `${spec.id}-dlq`, {
        queueName: `sergas-${config.stage}-${spec.schedule}-dlq`,
        // SQS-managed keys: the messages are schedule payloads (no CRM data) and need no key grants.
        encryption: sqs.QueueEncryption.SQS_MANAGED,
        enforceSSL: true,
        retentionPeriod: Duration.days(14),
      });
      acknowledge(
        deadLetters,
        'SQS3',
        'This queue is itself the dead-letter queue of the schedule and the sync function.',
      );
      deadLetterQueues.push({ name: spec.schedule, queue: deadLetters });

      // Our own role so the one wildcard the target's grantInvoke adds (the function's versions) can be
      // acknowledged by name.
      const schedulerRole = new iam.Role(this, `${spec.id}-scheduler-role`, {
        assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com'),
        description: `EventBridge Scheduler: ${spec.schedule}`,
      });
      acknowledge(
        schedulerRole,
        `IAM5[Resource::${nagResource(this, `${fn.function.functionArn}:*`)}]`,
        'Added by the scheduler target (Function.grantInvoke covers qualified ARNs); limited to this one function.',
      );
      new scheduler.Schedule(this, `${spec.id}-schedule`, {
        scheduleName: `sergas-${config.stage}-${spec.schedule}`,
        description: plan.description,
        schedule: plan.expression,
        target: new schedulerTargets.LambdaInvoke(fn.function, {
          role: schedulerRole,
          input: scheduler.ScheduleTargetInput.fromObject({ source: 'sergas.scheduler', schedule: spec.schedule }),
          retryAttempts: 3,
          maxEventAge: plan.maxEventAge,
          deadLetterQueue: deadLetters,
        }),
      });
      // The scheduler invokes asynchronously; a sync that then fails lands in the same queue, once retried.
      fn.function.configureAsyncInvoke({
        onFailure: new destinations.SqsDestination(deadLetters),
        retryAttempts: 1,
        maxEventAge: plan.maxEventAge,
      });
    }
    return deadLetterQueues;
  }

  private functionOf(id: string): AppFunction {
    const fn = this.functions.get(id);
    if (!fn) throw new Error(`Function ${id} is not in the catalog`);
    return fn;
  }
}
