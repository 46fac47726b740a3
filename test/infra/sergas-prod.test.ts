import { Match } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeMessagingAssertions } from './support/messaging-assertions.ts';
import { describeCommonAssertions } from './support/stage-assertions.ts';
import { SYNTH_TIMEOUT_MS, type SynthesizedStage, synthStage } from './support/synth-stage.ts';

// One synth (bundling included) for the whole file: it is the expensive part.
let prod: SynthesizedStage;
beforeAll(() => {
  // Prod sends e-mail through SES (dev does not), so both sides of the notify binding are synthesized.
  prod = synthStage('prod', {
    sesFromAddress: 'Sergas <sergas@mail.northpeak.io>',
    sesConfigurationSet: 'sergas-prod',
  });
}, SYNTH_TIMEOUT_MS);
afterAll(() => prod?.dispose());

describe('prod stage', () => {
  describeCommonAssertions(() => prod);
  describeMessagingAssertions(() => prod);

  it('protects the database from deletion and keeps it through stack deletion', () => {
    prod.stateful.hasResource('AWS::RDS::DBInstance', {
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: Match.objectLike({ DeletionProtection: true, MultiAZ: true }),
    });
  });

  it('runs Redis with a replica and automatic failover across AZs', () => {
    prod.stateful.hasResourceProperties('AWS::ElastiCache::ReplicationGroup', {
      ReplicasPerNodeGroup: 1,
      AutomaticFailoverEnabled: true,
      MultiAZEnabled: true,
    });
  });

  it('locks audit objects in compliance mode and protects users and stacks', () => {
    prod.stateful.hasResourceProperties('AWS::S3::Bucket', {
      ObjectLockConfiguration: {
        ObjectLockEnabled: 'Enabled',
        Rule: { DefaultRetention: { Mode: 'COMPLIANCE', Days: Match.anyValue() } },
      },
    });
    prod.stateless.hasResourceProperties('AWS::Cognito::UserPool', { DeletionProtection: 'ACTIVE' });
    expect(prod.sergas.stateful.terminationProtection).toBe(true);
  });

  it('reserves one concurrent execution for each sync so syncs never overlap', () => {
    for (const entry of ['functions/sync/full-sync.ts', 'functions/sync/incremental-sync.ts']) {
      prod.stateless.hasResourceProperties('AWS::Lambda::Function', {
        Description: entry,
        ReservedConcurrentExecutions: 1,
      });
    }
  });
});
