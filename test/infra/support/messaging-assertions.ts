import type { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { FUNCTIONS } from '../../../infra/function-catalog.ts';
import { resolveIntrinsic } from './render-definition.ts';
import { functionIdOf, statementsOf } from './stage-assertions.ts';
import type { SynthesizedStage } from './synth-stage.ts';

type Resource = { Type: string; Properties: Record<string, unknown> };

const resources = (template: Template, type: string) =>
  Object.entries(template.findResources(type) as Record<string, Resource>);
const environmentOf = (template: Template, entry: string) =>
  (
    (template.findResources('AWS::Lambda::Function')[functionIdOf(template, entry)] as Resource).Properties
      .Environment as { Variables: Record<string, unknown> }
  ).Variables;
const render = (value: unknown) => resolveIntrinsic(value, (id) => `<${id}>`);

/** Written out here, independent of the catalog: the handlers whose use cases send through the Notifier. */
const NOTIFYING = [
  'functions/sync/approval-reminders.ts',
  'functions/sync/owner-briefs.ts',
  'functions/workflow/escalate-approval.ts',
  'functions/workflow/expire-approval.ts',
  'functions/workflow/request-approval.ts',
];
const WEBHOOK = 'functions/webhooks/zoho-notifications.ts';
const CONSUMER = 'functions/sync/crm-notifications.ts';

/** Entries of every function whose role allows `action` on a resource `matches` accepts. */
function allowed(template: Template, action: string, matches: (resource: string) => boolean): string[] {
  return FUNCTIONS.filter((spec) =>
    statementsOf(template, functionIdOf(template, spec.entry)).some(
      (statement) => statement.actions.includes(action) && statement.resources.some(matches),
    ),
  )
    .map((spec) => spec.entry)
    .sort();
}

/** The Zoho notification queue and its dead-letter queue, by their deterministic names. */
function queuesOf(template: Template) {
  const byName = (suffix: string) => {
    const found = resources(template, 'AWS::SQS::Queue').filter(([, q]) =>
      String(q.Properties.QueueName).endsWith(suffix),
    );
    expect(found, suffix).toHaveLength(1);
    return { logicalId: found[0]![0], properties: found[0]![1].Properties };
  };
  return { queue: byName('-zoho-notifications'), deadLetters: byName('-zoho-notifications-dlq') };
}

/** Messages to people (SES, Slack) and the Zoho notification queue, for a stage with or without e-mail. */
export function describeMessagingAssertions(get: () => SynthesizedStage): void {
  describe('messages to people', () => {
    it('lets the notifying functions, and only they, read the Slack webhook secret', () => {
      const { stateless } = get();
      const slackArns = new Set(NOTIFYING.map((entry) => render(environmentOf(stateless, entry).SLACK_SECRET_ARN)));
      expect(slackArns.size).toBe(1);
      const [slackArn] = [...slackArns];
      expect(slackArn).toMatch(/SlackSecret/);
      expect(allowed(stateless, 'secretsmanager:GetSecretValue', (r) => r === slackArn)).toEqual(NOTIFYING);
      const told = FUNCTIONS.filter((spec) => 'SLACK_SECRET_ARN' in environmentOf(stateless, spec.entry));
      expect(told.map((spec) => spec.entry).sort()).toEqual(NOTIFYING);
    });

    it('creates the Slack secret empty, encrypted with the stack key', () => {
      const { stateful } = get();
      const [, secret] = resources(stateful, 'AWS::SecretsManager::Secret').find(([, s]) =>
        String(s.Properties.Name).endsWith('/slack'),
      )!;
      expect(JSON.parse(String(secret.Properties.SecretString))).toEqual({ webhook_url: '' });
      expect(secret.Properties.KmsKeyId).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^Key/), 'Arn'] });
    });

    it('lets exactly the notifying functions send e-mail as the configured identity, when e-mail is on', () => {
      const { stateless, sergas } = get();
      const { email, region, account } = sergas.config;
      const senders = allowed(stateless, 'ses:SendEmail', () => true);
      if (!email) {
        expect(senders).toEqual([]);
        for (const spec of FUNCTIONS)
          expect(environmentOf(stateless, spec.entry), spec.id).not.toHaveProperty('SES_FROM_ADDRESS');
        return;
      }
      expect(senders).toEqual(NOTIFYING);
      const expected = [
        `arn:aws:ses:${region}:${account}:identity/${email.identity}`,
        ...(email.configurationSet
          ? [`arn:aws:ses:${region}:${account}:configuration-set/${email.configurationSet}`]
          : []),
      ];
      for (const entry of NOTIFYING) {
        const sending = statementsOf(stateless, functionIdOf(stateless, entry)).filter((s) =>
          s.actions.some((action) => action.startsWith('ses:')),
        );
        expect(sending, entry).toEqual([{ actions: ['ses:SendEmail'], resources: expected }]);
        expect(environmentOf(stateless, entry), entry).toMatchObject({
          SES_FROM_ADDRESS: email.fromAddress,
          ...(email.configurationSet ? { SES_CONFIGURATION_SET: email.configurationSet } : {}),
        });
      }
    });
  });

  describe('Zoho notification queue', () => {
    it('encrypts both queues, refuses plain HTTP and parks a message after five receives in a dead-letter queue', () => {
      const { stateless } = get();
      const { queue, deadLetters } = queuesOf(stateless);
      for (const { properties } of [queue, deadLetters]) expect(properties.SqsManagedSseEnabled).toBe(true);
      expect(queue.properties.RedrivePolicy).toEqual({
        deadLetterTargetArn: { 'Fn::GetAtt': [deadLetters.logicalId, 'Arn'] },
        maxReceiveCount: 5,
      });
      // Only the notification queue may redrive into it, named by the ARN its name gives.
      const { region, account } = get().sergas.config;
      const redriveAllow = deadLetters.properties.RedriveAllowPolicy as { sourceQueueArns: unknown[] };
      expect(redriveAllow).toMatchObject({ redrivePermission: 'byQueue' });
      expect(redriveAllow.sourceQueueArns.map(render)).toEqual([
        `arn:aws:sqs:${region}:${account}:${queue.properties.QueueName}`,
      ]);
      expect(deadLetters.properties.MessageRetentionPeriod).toBe(14 * 24 * 3600);
      for (const { logicalId } of [queue, deadLetters]) {
        const policy = resources(stateless, 'AWS::SQS::QueuePolicy').find(([, p]) =>
          (p.Properties.Queues as { Ref: string }[]).some((ref) => ref.Ref === logicalId),
        );
        expect(policy?.[1].Properties.PolicyDocument, logicalId).toMatchObject({
          Statement: expect.arrayContaining([
            expect.objectContaining({
              Effect: 'Deny',
              Action: 'sqs:*',
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            }),
          ]),
        });
      }
    });

    it('lets the webhook send to the queue and do nothing else with it, and tells it the queue URL', () => {
      const { stateless } = get();
      const { queue } = queuesOf(stateless);
      const queueArn = `<${queue.logicalId}>`;
      const onQueue = statementsOf(stateless, functionIdOf(stateless, WEBHOOK)).filter((s) =>
        s.resources.includes(queueArn),
      );
      expect(onQueue).toEqual([{ actions: ['sqs:SendMessage'], resources: [queueArn] }]);
      expect(allowed(stateless, 'sqs:SendMessage', (r) => r === queueArn)).toEqual([WEBHOOK]);
      expect(environmentOf(stateless, WEBHOOK).ZOHO_NOTIFICATION_QUEUE_URL).toEqual({ Ref: queue.logicalId });
      // It no longer applies notifications itself: no Redis, and no Zoho call needs more than the token.
      expect(environmentOf(stateless, WEBHOOK)).not.toHaveProperty('REDIS_ENDPOINT');
    });

    it('drains the queue into the consumer in batches of ten with partial batch responses', () => {
      const { stateless } = get();
      const { queue } = queuesOf(stateless);
      const mappings = resources(stateless, 'AWS::Lambda::EventSourceMapping').map(([, m]) => m.Properties);
      expect(mappings).toHaveLength(1);
      expect(mappings[0]).toMatchObject({
        EventSourceArn: { 'Fn::GetAtt': [queue.logicalId, 'Arn'] },
        FunctionName: { Ref: functionIdOf(stateless, CONSUMER) },
        BatchSize: 10,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        ScalingConfig: { MaximumConcurrency: 5 },
      });
      const queueArn = `<${queue.logicalId}>`;
      expect(allowed(stateless, 'sqs:ReceiveMessage', (r) => r === queueArn)).toEqual([CONSUMER]);
      expect(allowed(stateless, 'sqs:DeleteMessage', (r) => r === queueArn)).toEqual([CONSUMER]);
      // At least six times the consumer's timeout, so a batch in progress is never delivered twice.
      const consumer = stateless.findResources('AWS::Lambda::Function')[functionIdOf(stateless, CONSUMER)] as Resource;
      expect(queue.properties.VisibilityTimeout).toBeGreaterThanOrEqual(6 * (consumer.Properties.Timeout as number));
      expect(Object.keys(environmentOf(stateless, CONSUMER))).toEqual(
        expect.arrayContaining(['REDIS_AUTH_SECRET_ARN', 'ZOHO_SECRET_ARN']),
      );
    });
  });
}
