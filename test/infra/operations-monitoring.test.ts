import { App, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../infra/config.ts';
import {
  OperationsMonitoring,
  SERGAS_METRICS,
  SERGAS_NAMESPACE,
  STAGE_DIMENSION,
} from '../../infra/constructs/operations-monitoring.ts';
import { FUNCTIONS, ROTATION_FUNCTIONS, rotationFunctionName } from '../../infra/function-catalog.ts';
import { STAGE_DIMENSION as RUNTIME_STAGE_DIMENSION } from '../../shared/adapters/metrics/emf-operational-metrics.ts';
import { OPERATIONAL_METRICS } from '../../shared/ports/operational-metrics.ts';
import { stateMachineOf } from './support/render-definition.ts';
import { functionIdOf } from './support/stage-assertions.ts';
import { SYNTH_TIMEOUT_MS, type SynthesizedStage, synthStage } from './support/synth-stage.ts';

type Resource = { Type: string; Properties: Record<string, unknown> };
type MetricQuery = { Id: string; Expression?: string; MetricStat?: { Metric: Record<string, unknown>; Stat: string } };

// One synth (bundling included) for the file: it is the expensive part.
let prod: SynthesizedStage;
beforeAll(() => {
  prod = synthStage('prod');
}, SYNTH_TIMEOUT_MS);
afterAll(() => prod?.dispose());

const resources = (template: Template, type: string) =>
  Object.entries(template.findResources(type) as Record<string, Resource>);

/** The properties of the alarm called `sergas-prod-<name>`, with its logical id. */
function alarm(name: string): Record<string, unknown> & { logicalId: string } {
  const found = resources(prod.stateless, 'AWS::CloudWatch::Alarm').filter(
    ([, a]) => a.Properties.AlarmName === `sergas-prod-${name}`,
  );
  if (found.length !== 1) throw new Error(`expected one alarm sergas-prod-${name}, found ${found.length}`);
  const [logicalId, resource] = found[0]!;
  return { logicalId, ...resource.Properties };
}

const sergasMetric = (name: string) => ({
  Namespace: 'Sergas',
  MetricName: name,
  Dimensions: [{ Name: 'Stage', Value: 'prod' }],
});

describe('operations alarms (prod)', () => {
  it('alarms on a failed execution of the account analysis and of the batch analysis', () => {
    for (const machine of ['account-analysis', 'batch-analysis'] as const) {
      expect(alarm(`${machine}-failed`)).toMatchObject({
        Namespace: 'AWS/States',
        MetricName: 'ExecutionsFailed',
        Dimensions: [{ Name: 'StateMachineArn', Value: { Ref: stateMachineOf(prod.stateless, machine).logicalId } }],
        Statistic: 'Sum',
        Period: 300,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        Threshold: 1,
      });
    }
  });

  it('alarms when the oldest approval has waited on a person for more than 96 hours, read hourly', () => {
    expect(alarm('approval-backlog-age')).toMatchObject({
      ...sergasMetric('ApprovalBacklogOldestAgeSeconds'),
      Statistic: 'Maximum',
      Period: 3600,
      ComparisonOperator: 'GreaterThanThreshold',
      Threshold: 96 * 3600,
    });
  });

  it('alarms on five Zoho 429s within five minutes', () => {
    expect(alarm('zoho-throttled')).toMatchObject({
      ...sergasMetric('ZohoThrottled'),
      Statistic: 'Sum',
      Period: 300,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      Threshold: 5,
    });
  });

  it('alarms when fewer Zoho credits remain than the syncs keep in reserve', () => {
    expect(alarm('zoho-credits-low')).toMatchObject({
      ...sergasMetric('ZohoCreditsRemaining'),
      Statistic: 'Minimum',
      Period: 300,
      ComparisonOperator: 'LessThanThreshold',
      Threshold: 5000,
    });
  });

  it("alarms when a day's LLM spend reaches the budget the recommendation author is given", () => {
    const author = prod.stateless.findResources('AWS::Lambda::Function')[
      functionIdOf(prod.stateless, 'functions/workflow/author-recommendations.ts')
    ] as Resource;
    const budget = (author.Properties.Environment as { Variables: Record<string, string> }).Variables
      .LLM_DAILY_BUDGET_USD;
    expect(budget).toBe('5');
    expect(alarm('llm-daily-spend')).toMatchObject({
      ...sergasMetric('LlmCostUsd'),
      Statistic: 'Sum',
      Period: 86_400,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      Threshold: Number(budget),
    });
  });

  it('alarms on five API 5xx answers within five minutes', () => {
    const serverErrors = alarm('api-5xx');
    expect(serverErrors).toMatchObject({
      Namespace: 'AWS/ApiGateway',
      MetricName: '5XXError',
      Statistic: 'Sum',
      Period: 300,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      Threshold: 5,
    });
    expect(serverErrors.Dimensions).toEqual([
      { Name: 'ApiName', Value: 'sergas-prod' },
      { Name: 'Stage', Value: expect.anything() },
    ]);
  });

  it('alarms on p99 latency over 5 s for 15 minutes, leaving every event stream route out', () => {
    const latency = alarm('api-latency-p99');
    expect(latency).toMatchObject({
      ComparisonOperator: 'LessThanThreshold',
      Threshold: 99,
      EvaluationPeriods: 3,
      DatapointsToAlarm: 3,
    });
    const queries = latency.Metrics as MetricQuery[];
    const stats = queries.filter((q) => q.MetricStat).map((q) => q.MetricStat!);
    expect(stats.every((s) => s.Metric.MetricName === 'Latency' && s.Metric.Namespace === 'AWS/ApiGateway')).toBe(true);
    expect(new Set(stats.map((s) => s.Stat))).toEqual(new Set(['TC(:5000)', 'SampleCount']));
    const streamed = FUNCTIONS.flatMap((spec) => (spec.route?.streaming ? [spec.route.path] : [])).sort();
    expect(streamed.length).toBeGreaterThan(0);
    const leftOut = stats
      .flatMap((s) => (s.Metric.Dimensions as { Name: string; Value: unknown }[]).filter((d) => d.Name === 'Resource'))
      .map((d) => d.Value);
    // Each streamed route is subtracted twice: from the fast requests and from all of them.
    expect([...new Set(leftOut)].sort()).toEqual(streamed);
    expect(leftOut).toHaveLength(streamed.length * 2);
    expect(queries.find((q) => q.Expression?.startsWith('IF('))?.Expression).toBe(
      'IF(buffered > 0, 100 * bufferedFast / buffered, 100)',
    );
  });

  it('alarms on a vector collection whose daily snapshot failed, for a day', () => {
    expect(alarm('vector-snapshots-failed')).toMatchObject({
      ...sergasMetric('VectorSnapshotsFailed'),
      Statistic: 'Sum',
      Period: 86_400,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      Threshold: 1,
    });
  });

  it('alarms on a message in any dead-letter queue', () => {
    const queues = resources(prod.stateless, 'AWS::SQS::Queue').filter(([, q]) =>
      String(q.Properties.QueueName).endsWith('-dlq'),
    );
    expect(queues.length).toBeGreaterThanOrEqual(FUNCTIONS.filter((spec) => spec.schedule).length);
    const watched = resources(prod.stateless, 'AWS::CloudWatch::Alarm')
      .map(([, a]) => a.Properties)
      .filter((a) => a.MetricName === 'ApproximateNumberOfMessagesVisible')
      .map((a) => {
        expect(a).toMatchObject({ Namespace: 'AWS/SQS', Statistic: 'Maximum', Threshold: 1 });
        return (a.Dimensions as { Value: { 'Fn::GetAtt': [string, string] } }[])[0]!.Value['Fn::GetAtt'][0];
      });
    expect(watched.sort()).toEqual(queues.map(([id]) => id).sort());
  });

  it('alarms on any error of a secret rotation, found by its deployed name in the stateful stack', () => {
    const rotations = resources(prod.stateful, 'AWS::Lambda::Function')
      .map(([, fn]) => String(fn.Properties.FunctionName))
      .filter((name) => ROTATION_FUNCTIONS.some((spec) => name === rotationFunctionName('prod', spec)));
    expect(rotations).toHaveLength(ROTATION_FUNCTIONS.length);
    const watched = resources(prod.stateless, 'AWS::CloudWatch::Alarm')
      .map(([, a]) => a.Properties)
      .filter((a) => a.Namespace === 'AWS/Lambda' && a.MetricName === 'Errors')
      .map((a) => {
        expect(a).toMatchObject({ Statistic: 'Sum', Threshold: 1, Period: 300 });
        return (a.Dimensions as { Name: string; Value: string }[]).find((d) => d.Name === 'FunctionName')?.Value;
      });
    expect(watched.sort()).toEqual(rotations.sort());
  });

  it('treats missing data as all being well, and tells the topic when each alarm fires and when it clears', () => {
    const [topicId] = resources(prod.stateless, 'AWS::SNS::Topic').find(
      ([, t]) => t.Properties.TopicName === 'sergas-prod-alarms',
    )!;
    const alarms = resources(prod.stateless, 'AWS::CloudWatch::Alarm');
    expect(alarms.length).toBeGreaterThanOrEqual(14);
    for (const [id, { Properties: a }] of alarms) {
      expect(a.AlarmName, id).toMatch(/^sergas-prod-/);
      expect(a.TreatMissingData, id).toBe('notBreaching');
      expect(a.AlarmActions, id).toEqual([{ Ref: topicId }]);
      expect(a.OKActions, id).toEqual([{ Ref: topicId }]);
      expect(String(a.AlarmDescription).length, id).toBeGreaterThan(20);
    }
  });
});

describe('the alarm topic (prod)', () => {
  it('is encrypted with its own rotating KMS key, which CloudWatch may use only for our alarms', () => {
    const [, topic] = resources(prod.stateless, 'AWS::SNS::Topic').find(
      ([, t]) => t.Properties.TopicName === 'sergas-prod-alarms',
    )!;
    const keyId = (topic.Properties.KmsMasterKeyId as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
    const key = prod.stateless.findResources('AWS::KMS::Key')[keyId] as Resource;
    expect(key.Properties.EnableKeyRotation).toBe(true);
    expect((key.Properties.KeyPolicy as { Statement: unknown[] }).Statement).toContainEqual(
      expect.objectContaining({
        Effect: 'Allow',
        Principal: { Service: 'cloudwatch.amazonaws.com' },
        Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        Condition: expect.objectContaining({ StringEquals: { 'aws:SourceAccount': '123456789012' } }),
      }),
    );
  });

  it('refuses publishing without TLS and lets CloudWatch publish only for alarms named sergas-prod-*', () => {
    const [, policy] = resources(prod.stateless, 'AWS::SNS::TopicPolicy')[0]!;
    const statements = (policy.Properties.PolicyDocument as { Statement: Record<string, unknown>[] }).Statement;
    expect(statements).toContainEqual(
      expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
    );
    const allow = statements.find((s) => s.Effect === 'Allow')!;
    expect(allow).toMatchObject({ Principal: { Service: 'cloudwatch.amazonaws.com' }, Action: 'sns:Publish' });
    expect(JSON.stringify(allow.Condition)).toContain(':cloudwatch:us-east-1:123456789012:alarm:sergas-prod-*');
  });

  it('has no subscriber unless -c alarmEmail names one', () => {
    prod.stateless.resourceCountIs('AWS::SNS::Subscription', 0);
  });
});

describe('the operations dashboard (prod)', () => {
  it('is one dashboard showing the state of every alarm and a graph of each metric', () => {
    const dashboards = resources(prod.stateless, 'AWS::CloudWatch::Dashboard');
    expect(dashboards).toHaveLength(1);
    const [, dashboard] = dashboards[0]!;
    expect(dashboard.Properties.DashboardName).toBe('sergas-prod-operations');
    const body = JSON.stringify(dashboard.Properties.DashboardBody);
    for (const [id] of resources(prod.stateless, 'AWS::CloudWatch::Alarm')) expect(body).toContain(id);
    for (const name of [...SERGAS_METRICS, 'ExecutionsFailed', '5XXError', 'Latency']) expect(body).toContain(name);
  });
});

describe('the metrics the alarms watch', () => {
  it('are exactly the ones the functions emit, in the namespace and with the dimension they use', () => {
    expect([...SERGAS_METRICS].sort()).toEqual(Object.keys(OPERATIONAL_METRICS).sort());
    expect(STAGE_DIMENSION).toBe(RUNTIME_STAGE_DIMENSION);
    for (const [, fn] of resources(prod.stateless, 'AWS::Lambda::Function')) {
      const variables = (fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
      expect(variables.POWERTOOLS_METRICS_NAMESPACE).toBe(SERGAS_NAMESPACE);
      expect(variables.SERGAS_STAGE).toBe('prod');
    }
  });
});

/** The construct alone, in a small stack with stand-ins for what it watches (no bundling, no nag). */
function monitoringStack(options: { alarmEmail?: string; streamed?: number } = {}): Template {
  const stack = new Stack(new App(), 'Monitoring', { env: { account: '123456789012', region: 'eu-west-1' } });
  const api = new apigateway.RestApi(stack, 'Api', { restApiName: 'sergas-dev', deployOptions: { stageName: 'dev' } });
  api.root.addMethod('GET');
  const machine = new sfn.StateMachine(stack, 'Machine', {
    definitionBody: sfn.DefinitionBody.fromChainable(new sfn.Pass(stack, 'Pass')),
  });
  new OperationsMonitoring(stack, 'Monitoring', {
    stage: 'dev',
    thresholds: loadConfig(() => undefined, {}).settings.alarms,
    llmDailyBudgetUsd: 5,
    alarmEmail: options.alarmEmail ?? null,
    removalPolicy: RemovalPolicy.DESTROY,
    stateMachines: [{ name: 'account-analysis', stateMachine: machine }],
    api,
    streamedRoutes: Array.from({ length: options.streamed ?? 1 }, (_, i) => ({ method: 'GET', path: `/events/${i}` })),
    deadLetterQueues: [{ name: 'daily-full-sync', queue: new sqs.Queue(stack, 'Dlq') }],
    unattendedFunctions: [],
  });
  return Template.fromStack(stack);
}

describe('the operations monitoring construct', () => {
  it('subscribes the alarm e-mail address to the topic', () => {
    monitoringStack({ alarmEmail: 'ops@example.com' }).hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'ops@example.com',
    });
  });

  it('takes the thresholds of the stage it is given', () => {
    monitoringStack().hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'sergas-dev-zoho-throttled',
      Threshold: 20,
    });
  });

  it('refuses more streamed routes than one alarm can leave out', () => {
    expect(() => monitoringStack({ streamed: 5 })).toThrow(/at most 4 streamed routes/);
  });
});

describe('the alarm context', () => {
  const context = (values: Record<string, string>) => loadConfig((key) => values[key], {});

  it('reads -c alarmEmail and -c llmDailyBudgetUsd', () => {
    expect(context({ alarmEmail: 'ops@example.com', llmDailyBudgetUsd: '12.5' })).toMatchObject({
      alarmEmail: 'ops@example.com',
      llmDailyBudgetUsd: 12.5,
    });
  });

  it("uses the stage's budget and nobody's e-mail by default", () => {
    expect(context({ stage: 'prod' })).toMatchObject({ alarmEmail: null, llmDailyBudgetUsd: 5 });
  });

  it('rejects an alarm e-mail that is not an address and a budget that is not a positive number', () => {
    expect(() => context({ alarmEmail: 'ops' })).toThrow(/alarmEmail/);
    expect(() => context({ llmDailyBudgetUsd: '-1' })).toThrow(/llmDailyBudgetUsd/);
  });
});
