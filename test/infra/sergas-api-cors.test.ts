import { App, Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../infra/config.ts';
import { SergasApi } from '../../infra/constructs/sergas-api.ts';

const contextOf = (values: Record<string, string>) => (key: string) => values[key];

/** The API construct alone, with a stand-in function per route, under cdk-nag like the real app. */
function synthApi(corsOrigins: readonly string[]) {
  const app = new App();
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  const stack = new Stack(app, 'Api', { env: { account: '123456789012', region: 'eu-west-1' } });
  const config = loadConfig(contextOf({}), {});
  const api = new SergasApi(stack, 'Api', { stageName: 'dev', settings: config.settings, corsOrigins });
  const fn = lambda.Function.fromFunctionArn(stack, 'Fn', 'arn:aws:lambda:eu-west-1:123456789012:function:stand-in');
  api.addRoute({ method: 'GET', path: '/api/v1/accounts', auth: 'cognito' }, fn);
  api.addRoute({ method: 'GET', path: '/approvals/{approvalId}', auth: 'approval-link' }, fn);
  api.addRoute({ method: 'POST', path: '/approvals/{approvalId}', auth: 'approval-link' }, fn);
  app.synth();
  return Template.fromStack(stack);
}

const preflights = (template: Template) =>
  Object.values(template.findResources('AWS::ApiGateway::Method')).filter(
    (method) => (method as { Properties: { HttpMethod: string } }).Properties.HttpMethod === 'OPTIONS',
  ) as { Properties: { AuthorizationType: string; Integration: { Type: string; IntegrationResponses: unknown[] } } }[];

describe('CORS on the REST API', () => {
  it('answers preflights for the allowed origins, once per resource, and passes cdk-nag', () => {
    const template = synthApi(['https://app.example.com']);
    const options = preflights(template);
    expect(options).toHaveLength(2);
    for (const method of options) {
      expect(method.Properties.AuthorizationType).toBe('NONE');
      expect(method.Properties.Integration.Type).toBe('MOCK');
      expect(JSON.stringify(method.Properties.Integration.IntegrationResponses)).toContain('https://app.example.com');
    }
  });

  it('answers none when no other origin may call (the public URL is the API itself)', () => {
    expect(preflights(synthApi([]))).toHaveLength(0);
  });

  it('defaults the allowed origins to the public URL’s and takes https origins from context', () => {
    expect(loadConfig(contextOf({}), {}).corsOrigins).toEqual([]);
    expect(loadConfig(contextOf({ publicBaseUrl: 'https://sergas.example.com/app' }), {}).corsOrigins).toEqual([
      'https://sergas.example.com',
    ]);
    expect(
      loadConfig(contextOf({ corsOrigins: 'https://a.example.com, https://b.example.com/x' }), {}).corsOrigins,
    ).toEqual(['https://a.example.com', 'https://b.example.com']);
    expect(() => loadConfig(contextOf({ corsOrigins: 'http://a.example.com' }), {})).toThrow(/corsOrigins/);
  });
});

describe('the dashboard’s Cognito app client', () => {
  it('lets the sign-in page use USER_PASSWORD_AUTH and refresh tokens, without a client secret', () => {
    const template = synthApi([]);
    template.hasResourceProperties('AWS::Cognito::UserPoolClient', {
      ExplicitAuthFlows: Match.arrayWith([
        'ALLOW_USER_PASSWORD_AUTH',
        'ALLOW_USER_SRP_AUTH',
        'ALLOW_REFRESH_TOKEN_AUTH',
      ]),
      GenerateSecret: false,
    });
  });
});
