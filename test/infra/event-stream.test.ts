import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Match } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYNTH_TIMEOUT_MS, type SynthesizedStage, synthStage } from './support/synth-stage.ts';

let dev: SynthesizedStage;
beforeAll(() => {
  dev = synthStage('dev');
}, SYNTH_TIMEOUT_MS);
afterAll(() => dev?.dispose());

const STREAMS = [{ id: 'stream-run-events' }, { id: 'stream-events' }];

/** The AG-UI event streams go through API Gateway REST response streaming (README, "Event stream"). */
describe('the event stream functions', () => {
  it.each(STREAMS)('$id runs up to the 15 minutes API Gateway streams for', ({ id }) => {
    dev.stateless.hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: `sergas-dev-${id}`,
      Timeout: 900,
      Runtime: 'nodejs22.x',
    });
  });

  it('are integrated with InvokeWithResponseStream, STREAM transfer mode and Cognito', () => {
    const methods = dev.stateless.findResources('AWS::ApiGateway::Method', {
      Properties: { Integration: { ResponseTransferMode: 'STREAM' } },
    });
    expect(Object.keys(methods)).toHaveLength(2);
    for (const method of Object.values(methods)) {
      expect(method.Properties).toMatchObject({
        HttpMethod: 'GET',
        AuthorizationType: 'COGNITO_USER_POOLS',
        Integration: { Type: 'AWS_PROXY', IntegrationHttpMethod: 'POST', TimeoutInMillis: 900_000 },
      });
      expect(JSON.stringify(method.Properties.Integration.Uri)).toContain('/response-streaming-invocations');
    }
    // Every other route stays buffered.
    dev.stateless.hasResourceProperties('AWS::ApiGateway::Method', {
      HttpMethod: 'GET',
      Integration: Match.objectLike({ Uri: Match.anyValue(), ResponseTransferMode: Match.absent() }),
    });
  });

  it('bundle the Lambda streaming handler (awslambda.streamifyResponse, guarded)', () => {
    for (const { id } of STREAMS) {
      const bundle = readFileSync(join(dev.functionsDir, id, 'index.mjs'), 'utf8');
      expect(bundle).toContain('awslambda.streamifyResponse');
      expect(bundle).toContain('typeof awslambda');
    }
  });
});
