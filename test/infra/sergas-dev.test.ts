import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeMessagingAssertions } from './support/messaging-assertions.ts';
import { describeCommonAssertions } from './support/stage-assertions.ts';
import { SYNTH_TIMEOUT_MS, type SynthesizedStage, synthStage } from './support/synth-stage.ts';

// One synth (bundling included) for the whole file: it is the expensive part.
let dev: SynthesizedStage;
beforeAll(() => {
  dev = synthStage('dev');
}, SYNTH_TIMEOUT_MS);
afterAll(() => dev?.dispose());

describe('dev stage', () => {
  describeCommonAssertions(() => dev);
  describeMessagingAssertions(() => dev);

  it('stays cheap and easy to tear down', () => {
    dev.stateful.hasResourceProperties('AWS::RDS::DBInstance', { DeletionProtection: false, MultiAZ: false });
    dev.stateful.hasResourceProperties('AWS::ElastiCache::ReplicationGroup', { ReplicasPerNodeGroup: 0 });
    dev.stateful.hasResource('AWS::RDS::DBInstance', { DeletionPolicy: 'Snapshot' });
    // Governance mode: a dev stack's audit objects can be removed by someone allowed to bypass it.
    dev.stateful.hasResourceProperties('AWS::S3::Bucket', {
      ObjectLockConfiguration: {
        ObjectLockEnabled: 'Enabled',
        Rule: { DefaultRetention: { Mode: 'GOVERNANCE', Days: 1 } },
      },
    });
    expect(dev.sergas.stateful.terminationProtection).toBe(false);
  });
});
