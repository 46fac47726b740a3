import { ArnFormat, Duration, type RemovalPolicy, Stack } from 'aws-cdk-lib';
import type * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import type { AlarmThresholds } from '../config.ts';

/**
 * Where the functions publish their operational metrics (POWERTOOLS_METRICS_NAMESPACE) and the one
 * dimension they carry. The names are those of shared/ports/operational-metrics.ts, written out again
 * because infra reads no runtime code; test/infra/operations-monitoring.test.ts holds them equal.
 */
export const SERGAS_NAMESPACE = 'Sergas';
export const STAGE_DIMENSION = 'Stage';
export const SERGAS_METRICS = [
  'ZohoThrottled',
  'LlmCostUsd',
  'VectorSnapshotsFailed',
  'ZohoCreditsRemaining',
  'ApprovalBacklogCount',
  'ApprovalBacklogOldestAgeSeconds',
] as const;
export type SergasMetricName = (typeof SERGAS_METRICS)[number];

// Metric math in an alarm may use at most 10 metrics: the stage's two plus two per streamed route.
const MAX_STREAMED_ROUTES = 4;
const FIVE_MINUTES = Duration.minutes(5);

export interface OperationsMonitoringProps {
  readonly stage: string;
  readonly thresholds: AlarmThresholds;
  /** Claude's daily budget: the spend alarm fires when a day's LLM cost reaches it. */
  readonly llmDailyBudgetUsd: number;
  /** Subscribed to the alarm topic by e-mail (the address confirms once); null: nobody yet. */
  readonly alarmEmail: string | null;
  readonly removalPolicy: RemovalPolicy;
  /** Each state machine whose failed executions page someone, by a short name for the alarm. */
  readonly stateMachines: readonly { readonly name: string; readonly stateMachine: sfn.IStateMachine }[];
  readonly api: apigateway.RestApi;
  /**
   * Routes answered as event streams (`{ method, path }`): an open stream lasts up to 15 minutes, so
   * they are left out of the latency alarm, which is about the buffered requests people wait on.
   */
  readonly streamedRoutes: readonly { readonly method: string; readonly path: string }[];
  /** Dead-letter queues, by a short name for the alarm: a message there is work that was given up on. */
  readonly deadLetterQueues: readonly { readonly name: string; readonly queue: sqs.IQueue }[];
  /**
   * Functions nobody waits on and no dead-letter queue catches (the secret rotations Secrets Manager
   * invokes), by deployed name: any error of theirs pages someone. Named, not referenced, because they
   * live in the stateful stack.
   */
  readonly unattendedFunctions: readonly { readonly name: string; readonly functionName: string }[];
}

/**
 * The alarms operations answer to, their SNS topic (KMS-encrypted, TLS only, published to by CloudWatch
 * alone) and one dashboard with a graph behind every alarm:
 * - failed executions of each state machine (Step Functions' ExecutionsFailed);
 * - the oldest approval waiting on a person (ApprovalBacklogOldestAgeSeconds, hourly);
 * - Zoho 429s (ZohoThrottled) and Zoho credits running low (ZohoCreditsRemaining);
 * - a day's LLM spend reaching the budget (LlmCostUsd), when the author falls back to the rules;
 * - API 5xx answers, and p99 latency of the buffered routes;
 * - any message in a dead-letter queue;
 * - a failed daily snapshot of a vector collection (VectorSnapshotsFailed);
 * - any error of a function nobody waits on (a failed secret rotation).
 * Every alarm is named `sergas-<stage>-…` and tells the topic when it fires and when it clears.
 */
export class OperationsMonitoring extends Construct {
  readonly topic: sns.Topic;
  readonly alarms: readonly cloudwatch.Alarm[];
  readonly dashboard: cloudwatch.Dashboard;
  readonly #props: OperationsMonitoringProps;
  readonly #alarms: cloudwatch.Alarm[] = [];

  constructor(scope: Construct, id: string, props: OperationsMonitoringProps) {
    super(scope, id);
    this.#props = props;
    this.topic = this.#createTopic();
    this.alarms = this.#alarms;
    const { thresholds, stage } = props;

    const failedRuns = props.stateMachines.map(({ name, stateMachine }) => {
      const metric = stateMachine.metricFailed({ period: FIVE_MINUTES, statistic: cloudwatch.Stats.SUM });
      this.#alarm(`${name}-failed`, metric, {
        threshold: thresholds.failedRuns,
        description: `${name} executions failed (each recorded its failure on its run first): read the run's error in the Step Functions console or \`sergas runs show\`.`,
      });
      return metric.with({ label: name });
    });

    const backlogAge = this.#sergasMetric(
      'ApprovalBacklogOldestAgeSeconds',
      cloudwatch.Stats.MAXIMUM,
      Duration.hours(1),
    );
    const backlogCount = this.#sergasMetric('ApprovalBacklogCount', cloudwatch.Stats.MAXIMUM, Duration.hours(1));
    this.#alarm('approval-backlog-age', backlogAge, {
      threshold: thresholds.approvalBacklogAgeHours * 3600,
      comparison: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      description: `An approval has waited on a person for more than ${thresholds.approvalBacklogAgeHours} h; the workflow should have escalated and expired it by now, so look for a stuck run (reported hourly by approval-reminders).`,
    });

    const throttled = this.#sergasMetric('ZohoThrottled', cloudwatch.Stats.SUM, FIVE_MINUTES);
    this.#alarm('zoho-throttled', throttled, {
      threshold: thresholds.zohoThrottled,
      description: `Zoho answered 429 at least ${thresholds.zohoThrottled} times in 5 minutes: background work is backing off; check what is calling Zoho so hard.`,
    });
    const credits = this.#sergasMetric('ZohoCreditsRemaining', cloudwatch.Stats.MINIMUM, FIVE_MINUTES);
    this.#alarm('zoho-credits-low', credits, {
      threshold: thresholds.zohoCreditsRemaining,
      comparison: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
      description: `Fewer than ${thresholds.zohoCreditsRemaining} Zoho API credits remain in the rolling day: syncs wait, only approved actions still spend. (Zoho reports credits only past half the allowance, so no data means plenty.)`,
    });

    const llmSpend = this.#sergasMetric('LlmCostUsd', cloudwatch.Stats.SUM, Duration.days(1));
    this.#alarm('llm-daily-spend', llmSpend, {
      threshold: props.llmDailyBudgetUsd,
      description: `A day's LLM spend reached the $${props.llmDailyBudgetUsd} budget: recommendations are written by the rules until the budget day turns.`,
    });

    const serverErrors = props.api.deploymentStage.metricServerError({
      period: FIVE_MINUTES,
      statistic: cloudwatch.Stats.SUM,
    });
    this.#alarm('api-5xx', serverErrors, {
      threshold: thresholds.api5xx,
      description: `The API answered 5xx at least ${thresholds.api5xx} times in 5 minutes: see the functions' logs (errors are logged with their stack).`,
    });
    const withinLatency = this.#bufferedWithin(thresholds.apiLatencyP99Ms);
    this.#alarm('api-latency-p99', withinLatency, {
      threshold: 99,
      comparison: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
      evaluationPeriods: 3,
      description: `p99 latency of the buffered API routes above ${thresholds.apiLatencyP99Ms} ms for 15 minutes: more than 1 % of requests took longer (event streams are left out).`,
    });

    const deadLetters = props.deadLetterQueues.map(({ name, queue }) => {
      const metric = queue.metricApproximateNumberOfMessagesVisible({
        period: FIVE_MINUTES,
        statistic: cloudwatch.Stats.MAXIMUM,
      });
      this.#alarm(`${name}-dead-letters`, metric, {
        threshold: 1,
        description: `Work of ${name} was given up on and waits in its dead-letter queue: read the message, fix the cause, then redrive or delete it.`,
      });
      return metric.with({ label: name });
    });

    const unattendedErrors = props.unattendedFunctions.map(({ name, functionName }) => {
      const metric = new cloudwatch.Metric({
        namespace: 'AWS/Lambda',
        metricName: 'Errors',
        dimensionsMap: { FunctionName: functionName },
        statistic: cloudwatch.Stats.SUM,
        period: FIVE_MINUTES,
      });
      this.#alarm(`${name}-errors`, metric, {
        threshold: 1,
        description: `${functionName} failed: Secrets Manager retries a rotation a few times and then gives up, leaving the secret as it was; read the function's log, fix the cause and rotate again.`,
      });
      return metric.with({ label: name });
    });

    const snapshotsFailed = this.#sergasMetric('VectorSnapshotsFailed', cloudwatch.Stats.SUM, Duration.days(1));
    this.#alarm('vector-snapshots-failed', snapshotsFailed, {
      threshold: 1,
      description:
        "The daily full sync could not snapshot a vector collection on Qdrant's EFS (its log says which and why): a replaced Qdrant task would recover from an older snapshot, and recall and similar accounts would miss what came since until they re-index. The alarm clears after a day without failures.",
    });

    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: `sergas-${stage}-operations`,
      defaultInterval: Duration.days(7),
    });
    const line = (value: number, label: string): cloudwatch.HorizontalAnnotation => ({ value, label });
    this.dashboard.addWidgets(
      new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms: this.#alarms, width: 24, height: 4 }),
    );
    this.dashboard.addWidgets(
      graph('Failed runs (per 5 min)', failedRuns, [line(thresholds.failedRuns, 'alarm')]),
      graph('Approval backlog', [backlogCount.with({ label: 'waiting' })], [], {
        right: [
          new cloudwatch.MathExpression({
            expression: 'age / 3600',
            usingMetrics: { age: backlogAge },
            label: 'oldest (hours)',
            period: Duration.hours(1),
          }),
        ],
        rightAnnotations: [line(thresholds.approvalBacklogAgeHours, 'alarm (hours)')],
      }),
    );
    this.dashboard.addWidgets(
      graph('Zoho 429s (per 5 min)', [throttled], [line(thresholds.zohoThrottled, 'alarm')]),
      graph('Zoho credits remaining', [credits], [line(thresholds.zohoCreditsRemaining, 'alarm')]),
    );
    this.dashboard.addWidgets(
      graph('LLM spend (USD per day)', [llmSpend], [line(props.llmDailyBudgetUsd, 'budget')]),
      graph(
        'LLM spend (USD per hour)',
        [this.#sergasMetric('LlmCostUsd', cloudwatch.Stats.SUM, Duration.hours(1))],
        [],
      ),
    );
    this.dashboard.addWidgets(
      graph('API 5xx (per 5 min)', [serverErrors], [line(thresholds.api5xx, 'alarm')]),
      graph(
        `API requests within ${thresholds.apiLatencyP99Ms} ms (%, event streams left out)`,
        [withinLatency],
        [line(99, 'alarm below')],
      ),
    );
    this.dashboard.addWidgets(
      graph('Dead letters (messages visible)', deadLetters, [line(1, 'alarm')]),
      graph('Secret rotation errors (per 5 min)', unattendedErrors, [line(1, 'alarm')]),
    );
    this.dashboard.addWidgets(
      graph('Failed vector snapshots (per day)', [snapshotsFailed.with({ label: 'collections' })], [line(1, 'alarm')]),
    );
  }

  /** One of our own metrics (shared/ports/operational-metrics.ts), for this stage. */
  #sergasMetric(name: SergasMetricName, statistic: string, period: Duration): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: SERGAS_NAMESPACE,
      metricName: name,
      dimensionsMap: { [STAGE_DIMENSION]: this.#props.stage },
      statistic,
      period,
    });
  }

  /**
   * The percentage of buffered API requests (everything but the event streams) answered within `ms`,
   * per 5 minutes: below 99 means their p99 latency is above `ms`. A percentile cannot be taken of a
   * subset of the stage's requests, but counts can be subtracted: TC(:ms) counts the requests at or
   * under `ms`, SampleCount all of them, for the stage and for each streamed route.
   */
  #bufferedWithin(ms: number): cloudwatch.MathExpression {
    const { api, streamedRoutes } = this.#props;
    if (streamedRoutes.length > MAX_STREAMED_ROUTES) {
      throw new Error(`The latency alarm can leave out at most ${MAX_STREAMED_ROUTES} streamed routes`);
    }
    const stageDimensions = { ApiName: api.restApiName, Stage: api.deploymentStage.stageName };
    const latency = (statistic: string, dimensions: Record<string, string>) =>
      new cloudwatch.Metric({
        namespace: 'AWS/ApiGateway',
        metricName: 'Latency',
        dimensionsMap: dimensions,
        statistic,
        period: FIVE_MINUTES,
      });
    const within = `TC(:${ms})`;
    const fast: Record<string, cloudwatch.IMetric> = { fastAll: latency(within, stageDimensions) };
    const all: Record<string, cloudwatch.IMetric> = {
      countAll: latency(cloudwatch.Stats.SAMPLE_COUNT, stageDimensions),
    };
    for (const [index, route] of streamedRoutes.entries()) {
      const dimensions = { ...stageDimensions, Method: route.method, Resource: route.path };
      fast[`fastStream${index}`] = latency(within, dimensions);
      all[`countStream${index}`] = latency(cloudwatch.Stats.SAMPLE_COUNT, dimensions);
    }
    // A streamed route without requests in a period has no data point: it counts as none.
    const minusStreams = (metrics: Record<string, cloudwatch.IMetric>, stageId: string) =>
      [
        stageId,
        ...Object.keys(metrics)
          .filter((key) => key !== stageId)
          .map((key) => `FILL(${key}, 0)`),
      ].join(' - ');
    return new cloudwatch.MathExpression({
      expression: 'IF(buffered > 0, 100 * bufferedFast / buffered, 100)',
      usingMetrics: {
        bufferedFast: new cloudwatch.MathExpression({
          expression: minusStreams(fast, 'fastAll'),
          usingMetrics: fast,
          period: FIVE_MINUTES,
        }),
        buffered: new cloudwatch.MathExpression({
          expression: minusStreams(all, 'countAll'),
          usingMetrics: all,
          period: FIVE_MINUTES,
        }),
      },
      label: `% within ${ms} ms`,
      period: FIVE_MINUTES,
    });
  }

  #alarm(
    name: string,
    metric: cloudwatch.IMetric,
    options: {
      threshold: number;
      description: string;
      comparison?: cloudwatch.ComparisonOperator;
      evaluationPeriods?: number;
    },
  ): cloudwatch.Alarm {
    const evaluationPeriods = options.evaluationPeriods ?? 1;
    const alarm = new cloudwatch.Alarm(this, `${name}-alarm`, {
      alarmName: `${this.#alarmPrefix}${name}`,
      alarmDescription: options.description,
      metric,
      threshold: options.threshold,
      comparisonOperator: options.comparison ?? cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods,
      datapointsToAlarm: evaluationPeriods,
      // Every metric here is absent when all is well (no failures, no 429s, no traffic, no credit header).
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    const action = new cloudwatchActions.SnsAction(this.topic);
    alarm.addAlarmAction(action);
    alarm.addOkAction(action);
    this.#alarms.push(alarm);
    return alarm;
  }

  get #alarmPrefix(): string {
    return `sergas-${this.#props.stage}-`;
  }

  /**
   * The alarm topic, encrypted with its own key: CloudWatch cannot publish to a topic under the AWS
   * managed SNS key, and a key of our own keeps the data key's policy to this one use. CloudWatch may
   * use both only on behalf of this stage's alarms in this account (no confused deputy): the alarm names
   * are deterministic, so the conditions can name them.
   */
  #createTopic(): sns.Topic {
    const stack = Stack.of(this);
    const onBehalfOfOurAlarms = {
      StringEquals: { 'aws:SourceAccount': stack.account },
      ArnLike: {
        'aws:SourceArn': stack.formatArn({
          service: 'cloudwatch',
          resource: 'alarm',
          resourceName: `${this.#alarmPrefix}*`,
          arnFormat: ArnFormat.COLON_RESOURCE_NAME,
        }),
      },
    };
    const cloudWatch = new iam.ServicePrincipal('cloudwatch.amazonaws.com');
    const key = new kms.Key(this, 'TopicKey', {
      description: `Sergas ${this.#props.stage}: encrypts the alarm topic`,
      enableKeyRotation: true,
      removalPolicy: this.#props.removalPolicy,
    });
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [cloudWatch],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: onBehalfOfOurAlarms,
      }),
    );
    const topic = new sns.Topic(this, 'Topic', {
      topicName: `sergas-${this.#props.stage}-alarms`,
      displayName: `Sergas ${this.#props.stage} alarms`,
      masterKey: key,
      enforceSSL: true,
    });
    topic.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [cloudWatch],
        actions: ['sns:Publish'],
        resources: [topic.topicArn],
        conditions: onBehalfOfOurAlarms,
      }),
    );
    if (this.#props.alarmEmail) topic.addSubscription(new subscriptions.EmailSubscription(this.#props.alarmEmail));
    return topic;
  }
}

function graph(
  title: string,
  left: cloudwatch.IMetric[],
  leftAnnotations: cloudwatch.HorizontalAnnotation[],
  more: Pick<cloudwatch.GraphWidgetProps, 'right' | 'rightAnnotations'> = {},
): cloudwatch.GraphWidget {
  return new cloudwatch.GraphWidget({ title, left, leftAnnotations, width: 12, height: 6, ...more });
}
