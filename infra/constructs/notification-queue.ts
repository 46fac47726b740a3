import { Duration, Stack } from 'aws-cdk-lib';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { acknowledge } from '../nag.ts';

export interface NotificationQueueProps {
  /** Deterministic, so the dead-letter queue's redrive-allow policy can name the queue without a cycle. */
  readonly queueName: string;
  /** The consumer's timeout: a received message stays invisible for six of them (AWS's advice for Lambda). */
  readonly consumerTimeout: Duration;
  /** Receives before a message is parked in the dead-letter queue. */
  readonly maxReceiveCount: number;
}

/**
 * The buffer between Zoho's notification callbacks and applying them: the webhook answers Zoho as soon as
 * a notification is queued, and a consumer applies queued notifications in batches. A message that keeps
 * failing moves to the dead-letter queue, from which it can be redriven once the cause is fixed.
 *
 * Both queues use SQS-managed encryption (SSE-SQS): the messages hold CRM record ids and no secret (the
 * webhook drops the verification token before queueing), and no KMS grants are needed across stacks.
 */
export class NotificationQueue extends Construct {
  readonly queue: sqs.Queue;
  readonly deadLetters: sqs.Queue;

  constructor(scope: Construct, id: string, props: NotificationQueueProps) {
    super(scope, id);
    // The queue names the dead-letter queue (RedrivePolicy) and the dead-letter queue names the queue
    // (RedriveAllowPolicy): one side refers to the other by its ARN string to keep the template acyclic.
    const sourceArn = Stack.of(this).formatArn({ service: 'sqs', resource: props.queueName });

    this.deadLetters = new sqs.Queue(this, 'DeadLetters', {
      queueName: `${props.queueName}-dlq`,
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      // The longest SQS keeps anything: time to notice the alarm, fix the cause and redrive.
      retentionPeriod: Duration.days(14),
      redriveAllowPolicy: {
        redrivePermission: sqs.RedrivePermission.BY_QUEUE,
        sourceQueues: [sqs.Queue.fromQueueArn(this, 'Source', sourceArn)],
      },
    });
    acknowledge(this.deadLetters, 'SQS3', 'This queue is itself the dead-letter queue of the notification queue.');

    this.queue = new sqs.Queue(this, 'Queue', {
      queueName: props.queueName,
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      visibilityTimeout: Duration.seconds(props.consumerTimeout.toSeconds() * 6),
      // Zoho's own replays of the same change are recognised by the consumer; a day's backlog is plenty.
      retentionPeriod: Duration.days(4),
      deadLetterQueue: { queue: this.deadLetters, maxReceiveCount: props.maxReceiveCount },
    });
  }

  /**
   * Delivers the queue to `fn` in batches of up to ten; the function reports the messages it failed
   * (`batchItemFailures`) and only those return to the queue. A few concurrent batches at most, so a burst
   * of changes cannot spend the org's Zoho API credits or the database's connections all at once.
   */
  addConsumer(fn: lambda.IFunction): void {
    fn.addEventSource(
      new SqsEventSource(this.queue, { batchSize: 10, reportBatchItemFailures: true, maxConcurrency: 5 }),
    );
  }
}
