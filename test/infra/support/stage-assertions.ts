import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import {
  QDRANT_SNAPSHOTS_PATH,
  QDRANT_START_SCRIPT,
  QDRANT_STORAGE_PATH,
} from '../../../infra/constructs/qdrant-service.ts';
import { FUNCTIONS, ROTATION_FUNCTIONS } from '../../../infra/function-catalog.ts';
import { ACCOUNT_ANALYSIS_ASL, BATCH_ANALYSIS_ASL } from '../../../infra/stacks/stateless-stack.ts';
import { allStates, placeholdersIn, renderDefinition, resolveIntrinsic, stateMachineOf } from './render-definition.ts';
import { readValidationReport, type SynthesizedStage } from './synth-stage.ts';

type Resource = { Type: string; Properties: Record<string, unknown>; DeletionPolicy?: string };
type Statement = { Effect: string; Action: string | string[]; Resource: unknown };

const fakeArn = (logicalId: string) => `arn:aws:lambda:us-east-1:123456789012:function:${logicalId}`;
const asArray = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);
const resources = (template: Template, type: string) =>
  Object.entries(template.findResources(type) as Record<string, Resource>);

/** Logical id of the Lambda function built from a handler module (its Description is the entry path). */
export function functionIdOf(template: Template, entry: string): string {
  const match = resources(template, 'AWS::Lambda::Function').filter(([, fn]) => fn.Properties.Description === entry);
  if (match.length !== 1) throw new Error(`expected one function for ${entry}, found ${match.length}`);
  return match[0]![0];
}

/** Every Allow statement attached to a function's role, resources rendered as strings. */
export function statementsOf(template: Template, functionId: string): { actions: string[]; resources: string[] }[] {
  const fn = template.findResources('AWS::Lambda::Function')[functionId] as Resource;
  const roleId = (fn.Properties.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
  return resources(template, 'AWS::IAM::Policy')
    .filter(([, policy]) => (policy.Properties.Roles as { Ref?: string }[]).some((role) => role.Ref === roleId))
    .flatMap(([, policy]) => (policy.Properties.PolicyDocument as { Statement: Statement[] }).Statement)
    .filter((statement) => statement.Effect === 'Allow')
    .map((statement) => ({
      actions: asArray(statement.Action),
      resources: asArray(statement.Resource).map((resource) => resolveIntrinsic(resource, (id) => `<${id}>`)),
    }));
}

const ASL_TEXT = readFileSync(ACCOUNT_ANALYSIS_ASL, 'utf8');
const BATCH_ASL_TEXT = readFileSync(BATCH_ANALYSIS_ASL, 'utf8');
/** Placeholder → handler module it must be bound to; written out here, independent of the catalog. */
const ASL_BINDINGS: Record<string, string> = {
  InitializeRunFunctionArn: 'functions/workflow/initialize-run.ts',
  RetrieveDataFunctionArn: 'functions/workflow/retrieve-data.ts',
  AnalyzeMemoryFunctionArn: 'functions/workflow/analyze-memory.ts',
  AuthorRecommendationsFunctionArn: 'functions/workflow/author-recommendations.ts',
  CheckComplianceFunctionArn: 'functions/workflow/check-compliance.ts',
  RequestApprovalFunctionArn: 'functions/workflow/request-approval.ts',
  EscalateApprovalFunctionArn: 'functions/workflow/escalate-approval.ts',
  ExpireApprovalFunctionArn: 'functions/workflow/expire-approval.ts',
  ExecuteRecommendationFunctionArn: 'functions/workflow/execute-recommendation.ts',
  SyncMemoryFunctionArn: 'functions/workflow/sync-memory.ts',
  RecordFailureFunctionArn: 'functions/workflow/record-failure.ts',
};
/** The same for statemachines/batch-analysis.asl.json's functions. */
const BATCH_ASL_BINDINGS: Record<string, string> = {
  PrepareBatchRunFunctionArn: 'functions/workflow/prepare-batch-run.ts',
  SummarizeBatchFunctionArn: 'functions/workflow/summarize-batch.ts',
};

/** The policy statements of a state machine's role that mention `prefix` actions. */
function machineStatements(template: Template, properties: Record<string, unknown>, prefix: string): Statement[] {
  const roleId = (properties.RoleArn as { 'Fn::GetAtt': [string] })['Fn::GetAtt'][0];
  return resources(template, 'AWS::IAM::Policy')
    .filter(([, policy]) => (policy.Properties.Roles as { Ref?: string }[]).some((role) => role.Ref === roleId))
    .flatMap(([, policy]) => (policy.Properties.PolicyDocument as { Statement: Statement[] }).Statement)
    .filter((statement) => asArray(statement.Action).some((action) => action.startsWith(prefix)));
}

/** Assertions that hold for every stage; `get` returns the stage synthesized in the file's beforeAll. */
export function describeCommonAssertions(get: () => SynthesizedStage): void {
  describe('cdk-nag (AwsSolutions)', () => {
    it('leaves no unacknowledged finding', () => {
      // synth() would have thrown in beforeAll; the report, if written, must be clean too.
      const report = readValidationReport(get().outdir);
      const violations = (report?.pluginReports ?? []).flatMap((plugin) => plugin.violations.map((v) => v.ruleName));
      expect(violations).toEqual([]);
    });
  });

  describe('function bundles', () => {
    it('has one ESM bundle with a source map and the require shim per catalog entry', () => {
      const { functionsDir } = get();
      for (const spec of [...FUNCTIONS, ...ROTATION_FUNCTIONS]) {
        const bundle = readFileSync(join(functionsDir, spec.id, 'index.mjs'), 'utf8');
        expect(bundle.startsWith("import { createRequire as __sergasCreateRequire } from 'node:module';")).toBe(true);
        expect(bundle).toMatch(/export\s*\{[^}]*\bhandler\b[^}]*\}/);
        expect(bundle).toContain('//# sourceMappingURL=index.mjs.map');
        expect(existsSync(join(functionsDir, spec.id, 'index.mjs.map'))).toBe(true);
      }
    });
  });

  describe('Lambda functions', () => {
    it('deploys exactly the catalog, one function per entry', () => {
      const { stateless } = get();
      expect(resources(stateless, 'AWS::Lambda::Function')).toHaveLength(FUNCTIONS.length);
      for (const spec of FUNCTIONS) expect(() => functionIdOf(stateless, spec.entry)).not.toThrow();
    });

    it('runs every function on nodejs22.x, arm64, X-Ray active, in the VPC, logging to a log group with retention', () => {
      const { stateless } = get();
      const logGroups = stateless.findResources('AWS::Logs::LogGroup') as Record<string, Resource>;
      for (const [id, fn] of resources(stateless, 'AWS::Lambda::Function')) {
        const props = fn.Properties;
        expect(props.Runtime, id).toBe('nodejs22.x');
        expect(props.Architectures, id).toEqual(['arm64']);
        expect(props.TracingConfig, id).toEqual({ Mode: 'Active' });
        expect(props.Handler, id).toBe('index.handler');
        expect((props.VpcConfig as { SubnetIds: unknown[] }).SubnetIds.length, id).toBeGreaterThanOrEqual(2);
        const logGroupId = (props.LoggingConfig as { LogGroup: { Ref: string } }).LogGroup.Ref;
        expect(logGroups[logGroupId]?.Properties.RetentionInDays, id).toBeGreaterThan(0);
      }
    });

    it('gives every function the Powertools and Sergas environment', () => {
      const { stateless } = get();
      for (const [id, fn] of resources(stateless, 'AWS::Lambda::Function')) {
        const variables = (fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
        expect(Object.keys(variables), id).toEqual(
          expect.arrayContaining([
            'SERGAS_STAGE',
            'DATABASE_SECRET_ARN',
            'DATABASE_PROXY_ENDPOINT',
            'QDRANT_URL',
            'AUDIT_BUCKET',
            'EXPORT_BUCKET',
            'PUBLIC_BASE_URL',
            'POWERTOOLS_SERVICE_NAME',
            'POWERTOOLS_LOG_LEVEL',
          ]),
        );
        expect(variables.POWERTOOLS_METRICS_NAMESPACE, id).toBe('Sergas');
        expect(variables.NODE_OPTIONS, id).toBe('--enable-source-maps');
      }
    });

    it('tells a function of a secret only when it may read it', () => {
      const { stateless } = get();
      for (const spec of FUNCTIONS) {
        const [, fn] = resources(stateless, 'AWS::Lambda::Function').find(([, f]) =>
          (f.Properties.FunctionName as string | undefined)?.endsWith(`-${spec.id}`),
        )!;
        const names = Object.keys((fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables);
        expect(names.includes('ZOHO_SECRET_ARN'), spec.id).toBe(spec.binds.includes('zoho'));
        expect(names.includes('REDIS_AUTH_SECRET_ARN'), spec.id).toBe(spec.binds.includes('redis'));
        expect(names.includes('ANTHROPIC_SECRET_ARN'), spec.id).toBe(spec.binds.includes('anthropic'));
      }
    });
  });

  describe('account-analysis state machine', () => {
    const aslFunctionIds = (template: Template) =>
      Object.fromEntries(Object.entries(ASL_BINDINGS).map(([name, entry]) => [name, functionIdOf(template, entry)]));

    it('deploys the local ASL file unchanged except for the function ARNs', () => {
      const { stateless, outdir } = get();
      const ids = aslFunctionIds(stateless);
      const rendered = renderDefinition(stateless, outdir, fakeArn);
      let expected = ASL_TEXT;
      for (const [name, id] of Object.entries(ids)) expected = expected.replaceAll(`\${${name}}`, fakeArn(id));
      expect(rendered).toEqual(JSON.parse(expected));
    });

    it('substitutes exactly the placeholders the ASL file uses', () => {
      const { properties } = stateMachineOf(get().stateless);
      expect(Object.keys(properties.DefinitionSubstitutions as object).sort()).toEqual(placeholdersIn(ASL_TEXT));
      expect(placeholdersIn(ASL_TEXT)).toEqual(Object.keys(ASL_BINDINGS).sort());
    });

    it('waits 72 h for the owner, then 24 h for the manager after escalating, then expires (DOMAIN-RULES)', () => {
      const { stateless, outdir } = get();
      const states = Object.fromEntries(allStates(renderDefinition(stateless, outdir, fakeArn)));
      const waits = Object.entries(states).filter(
        ([, state]) => state.Resource === 'arn:aws:states:::lambda:invoke.waitForTaskToken',
      );
      expect(waits.map(([name]) => name)).toEqual(['AwaitingApproval', 'Escalate', 'AwaitingDeferredDecision']);
      const ids = aslFunctionIds(stateless);
      for (const [name, placeholder] of [
        ['AwaitingApproval', 'RequestApprovalFunctionArn'],
        ['Escalate', 'EscalateApprovalFunctionArn'],
        ['AwaitingDeferredDecision', 'EscalateApprovalFunctionArn'],
      ] as const) {
        const parameters = states[name]!.Parameters as Record<string, unknown>;
        expect(parameters.FunctionName).toBe(fakeArn(ids[placeholder]!));
        expect((parameters.Payload as Record<string, unknown>)['taskToken.$']).toBe('$$.Task.Token');
      }
      expect(states.AwaitingApproval).toMatchObject({
        TimeoutSeconds: 72 * 3600,
        Catch: [{ ErrorEquals: ['States.Timeout'], Next: 'Escalate' }],
      });
      expect(states.Escalate).toMatchObject({
        TimeoutSeconds: 24 * 3600,
        Parameters: { Payload: { windowSeconds: 24 * 3600 } },
        Catch: [{ ErrorEquals: ['States.Timeout'], Next: 'Expire' }],
        Next: 'ApprovalDecision',
      });
      expect(states.Expire).toMatchObject({ Next: 'ApprovalDecision' });
      expect(states.ApprovalDecision).toMatchObject({ Default: 'NotApproved' });
      // A deferred approval is checked again each day, not expired, until its time is up.
      expect(states.ApprovalDecision!.Choices).toContainEqual({
        Variable: '$.decision.decision',
        StringEquals: 'deferred',
        Next: 'AwaitingDeferredDecision',
      });
      expect(states.AwaitingDeferredDecision).toMatchObject({
        TimeoutSeconds: 24 * 3600,
        Catch: [{ ErrorEquals: ['States.Timeout'], Next: 'Expire' }],
        Next: 'ApprovalDecision',
      });
    });

    it('retries with full jitter and a delay cap, and records every other failure before failing', () => {
      const { stateless, outdir } = get();
      const states = allStates(renderDefinition(stateless, outdir, fakeArn));
      const retriers = states.flatMap(([, state]) => (state.Retry as Record<string, unknown>[] | undefined) ?? []);
      expect(retriers.length).toBeGreaterThan(10);
      for (const retrier of retriers) {
        expect(retrier).toMatchObject({ JitterStrategy: 'FULL', MaxDelaySeconds: expect.any(Number) });
      }
      const topLevel = Object.entries(
        (JSON.parse(ASL_TEXT) as { States: Record<string, Record<string, unknown>> }).States,
      );
      for (const [name, state] of topLevel.filter(
        ([n, st]) => st.Type !== 'Succeed' && st.Type !== 'Fail' && n !== 'RecordFailure',
      )) {
        expect(state.Catch, name).toContainEqual({
          ErrorEquals: ['States.ALL'],
          ResultPath: '$.error',
          Next: 'RecordFailure',
        });
      }
      for (const [name, state] of states.filter(
        ([, st]) => st.Type === 'Task' && st.Resource === 'arn:aws:states:::lambda:invoke',
      )) {
        const retried = ((state.Retry as { ErrorEquals: string[] }[] | undefined) ?? []).flatMap((r) => r.ErrorEquals);
        if (name === 'RecordFailure') continue;
        expect(retried, name).toEqual(
          expect.arrayContaining([
            'RetryableUpstreamError',
            'Lambda.ServiceException',
            'Lambda.TooManyRequestsException',
          ]),
        );
        // A bad payload or a missing record fails at once: retrying cannot fix it.
        expect(retried, name).not.toContain('States.ALL');
      }
    });

    it('logs ALL to a log group, traces, and may invoke exactly its eleven task functions', () => {
      const { stateless } = get();
      const { properties } = stateMachineOf(stateless);
      expect(properties.StateMachineType).toBe('STANDARD');
      expect(properties.TracingConfiguration).toEqual({ Enabled: true });
      expect(properties.LoggingConfiguration).toMatchObject({ Level: 'ALL' });
      const invokes = machineStatements(stateless, properties, 'lambda:');
      expect(invokes).toHaveLength(1);
      expect(invokes[0]!.Action).toBe('lambda:InvokeFunction');
      const expected = Object.values(aslFunctionIds(stateless)).map((id) => ({ 'Fn::GetAtt': [id, 'Arn'] }));
      expect(asArray(invokes[0]!.Resource)).toEqual(expect.arrayContaining(expected));
      expect(asArray(invokes[0]!.Resource)).toHaveLength(expected.length);
    });

    it('lets the approval functions resume runs and analyze-account start them, by the deterministic ARN', () => {
      const { stateless, sergas } = get();
      const name = stateMachineOf(stateless).properties.StateMachineName;
      const arn = `arn:aws:states:${sergas.config.region}:${sergas.config.account}:stateMachine:${name}`;
      const grants = (entry: string) => statementsOf(stateless, functionIdOf(stateless, entry));
      for (const entry of ['functions/api/approve-recommendation.ts', 'functions/api/decide-approval.ts']) {
        expect(grants(entry)).toContainEqual({
          actions: ['states:SendTaskSuccess', 'states:SendTaskFailure'],
          resources: [arn],
        });
      }
      expect(grants('functions/api/analyze-account.ts')).toContainEqual({
        actions: ['states:StartExecution'],
        resources: [arn],
      });
      // Nobody else may resume a waiting run.
      const responders = FUNCTIONS.filter((spec) =>
        grants(spec.entry).some((statement) => statement.actions.includes('states:SendTaskSuccess')),
      ).map((spec) => spec.entry);
      expect(responders.sort()).toEqual([
        'functions/api/approve-recommendation.ts',
        'functions/api/batch-approve.ts',
        'functions/api/decide-approval.ts',
        'functions/mcp/handler.ts',
        // A decision made as the first wait timed out resumes the Escalate wait at once.
        'functions/workflow/escalate-approval.ts',
      ]);
      const fn = stateless.findResources('AWS::Lambda::Function')[
        functionIdOf(stateless, 'functions/api/analyze-account.ts')
      ] as Resource;
      const env = (fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
      expect(resolveIntrinsic(env.STATE_MACHINE_ARN, (id) => id)).toBe(arn);
    });
  });

  describe('batch-analysis state machine', () => {
    const batchFunctionIds = (template: Template) =>
      Object.fromEntries(
        Object.entries(BATCH_ASL_BINDINGS).map(([name, entry]) => [name, functionIdOf(template, entry)]),
      );
    const accountAnalysisArn = ({ sergas, stateless }: SynthesizedStage) =>
      `arn:aws:states:${sergas.config.region}:${sergas.config.account}:stateMachine:${stateMachineOf(stateless).properties.StateMachineName}`;

    it('deploys the local ASL file unchanged except for the ARNs: the Map stays DISTRIBUTED on AWS', () => {
      const stage = get();
      const { stateless, outdir } = stage;
      const rendered = renderDefinition(stateless, outdir, fakeArn, 'batch-analysis');
      let expected = BATCH_ASL_TEXT.replaceAll(`\${AccountAnalysisStateMachineArn}`, accountAnalysisArn(stage));
      for (const [name, id] of Object.entries(batchFunctionIds(stateless)))
        expected = expected.replaceAll(`\${${name}}`, fakeArn(id));
      expect(rendered).toEqual(JSON.parse(expected));
      const states = Object.fromEntries(allStates(rendered));
      expect(states.StartAnalyses).toMatchObject({
        Type: 'Map',
        MaxConcurrency: expect.any(Number),
        ItemProcessor: { ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' } },
      });
      expect(states.StartAccountAnalysis).toMatchObject({
        Resource: 'arn:aws:states:::states:startExecution',
        Parameters: { StateMachineArn: accountAnalysisArn(stage), 'Name.$': '$.run.runId' },
        Catch: expect.arrayContaining([
          expect.objectContaining({
            ErrorEquals: ['StepFunctions.ExecutionAlreadyExistsException'],
            Next: 'AlreadyStarted',
          }),
        ]),
      });
      const { properties } = stateMachineOf(stateless, 'batch-analysis');
      expect(Object.keys(properties.DefinitionSubstitutions as object).sort()).toEqual(placeholdersIn(BATCH_ASL_TEXT));
    });

    it('logs ALL, traces, invokes only its two functions and may start account analyses and its own map runs', () => {
      const stage = get();
      const { stateless, sergas } = stage;
      const { properties } = stateMachineOf(stateless, 'batch-analysis');
      expect(properties.StateMachineType).toBe('STANDARD');
      expect(properties.TracingConfiguration).toEqual({ Enabled: true });
      expect(properties.LoggingConfiguration).toMatchObject({ Level: 'ALL', IncludeExecutionData: false });
      const invokes = machineStatements(stateless, properties, 'lambda:');
      expect(invokes).toHaveLength(1);
      expect(asArray(invokes[0]!.Resource).sort()).toEqual(
        Object.values(batchFunctionIds(stateless))
          .map((id) => ({ 'Fn::GetAtt': [id, 'Arn'] }))
          .sort(),
      );
      const starts = machineStatements(stateless, properties, 'states:')
        .filter((statement) => asArray(statement.Action).includes('states:StartExecution'))
        .flatMap((statement) => asArray(statement.Resource).map((r) => resolveIntrinsic(r, (id) => id)));
      const own = `arn:aws:states:${sergas.config.region}:${sergas.config.account}:stateMachine:${properties.StateMachineName}`;
      expect(starts.sort()).toEqual([accountAnalysisArn(stage), own].sort());
      // Nothing else may start or resume the account analysis through it.
      expect(
        machineStatements(stateless, properties, 'states:')
          .flatMap((statement) => asArray(statement.Action))
          .sort(),
      ).toEqual(['states:DescribeExecution', 'states:StartExecution', 'states:StopExecution']);
    });
  });

  describe('REST API', () => {
    it('routes each catalog route to its own function, Cognito on /api/v1 except health', () => {
      const { stateless } = get();
      const methods = resources(stateless, 'AWS::ApiGateway::Method').filter(
        ([, m]) => m.Properties.HttpMethod !== 'OPTIONS',
      );
      const routes = FUNCTIONS.filter((spec) => spec.route);
      expect(methods).toHaveLength(routes.length);
      const integrated = new Set(
        methods.map(([, m]) => JSON.stringify((m.Properties.Integration as { Uri: unknown }).Uri)),
      );
      expect(integrated.size).toBe(routes.length);
      for (const [, method] of methods) {
        expect((method.Properties.Integration as { Type: string }).Type).toBe('AWS_PROXY');
      }
      const byAuth = (type: string) => methods.filter(([, m]) => m.Properties.AuthorizationType === type).length;
      expect(byAuth('COGNITO_USER_POOLS')).toBe(routes.filter((spec) => spec.route!.auth === 'cognito').length);
      expect(
        routes
          .filter((spec) => spec.route!.path.startsWith('/api/v1/') && spec.route!.auth !== 'cognito')
          .map((s) => s.route!.path),
      ).toEqual(['/api/v1/health', '/api/v1/openapi.json']);
    });

    it('gives Cognito the roles as groups and keeps custom:zoho_user_id out of what people may write', () => {
      const { stateless } = get();
      const groups = resources(stateless, 'AWS::Cognito::UserPoolGroup').map(([, g]) => g.Properties.GroupName);
      expect(groups.sort()).toEqual(['admin', 'manager', 'rep']);
      stateless.hasResourceProperties('AWS::Cognito::UserPool', {
        Schema: Match.arrayWith([Match.objectLike({ Name: 'zoho_user_id', Mutable: true })]),
      });
      const [, client] = resources(stateless, 'AWS::Cognito::UserPoolClient')[0]!;
      expect(client.Properties.WriteAttributes).not.toContain('custom:zoho_user_id');
      const fn = resources(stateless, 'AWS::Lambda::Function').find(([, f]) =>
        (f.Properties.FunctionName as string | undefined)?.endsWith('-api-decide-approval'),
      )!;
      const variables = (fn[1].Properties.Environment as { Variables: Record<string, unknown> }).Variables;
      expect(Object.keys(variables)).toEqual(expect.arrayContaining(['COGNITO_USER_POOL_ID', 'COGNITO_CLIENT_ID']));
    });

    it('traces, logs access, throttles and sits behind a rate-limiting WAF', () => {
      const { stateless } = get();
      stateless.hasResourceProperties('AWS::ApiGateway::Stage', {
        TracingEnabled: true,
        AccessLogSetting: { DestinationArn: Match.anyValue(), Format: Match.anyValue() },
        MethodSettings: Match.arrayWith([
          Match.objectLike({
            ThrottlingRateLimit: Match.anyValue(),
            ThrottlingBurstLimit: Match.anyValue(),
            LoggingLevel: 'ERROR',
          }),
        ]),
      });
      stateless.hasResourceProperties('AWS::WAFv2::WebACL', {
        Scope: 'REGIONAL',
        Rules: Match.arrayWith([
          Match.objectLike({ Statement: { RateBasedStatement: Match.objectLike({ AggregateKeyType: 'IP' }) } }),
        ]),
      });
      stateless.resourceCountIs('AWS::WAFv2::WebACLAssociation', 1);
      stateless.hasResourceProperties('AWS::ApiGateway::RequestValidator', { ValidateRequestParameters: true });
      stateless.hasResourceProperties('AWS::Cognito::UserPool', { MfaConfiguration: 'ON' });
    });
  });

  describe('schedules', () => {
    it('runs a full sync daily at 02:00, an incremental sync, owner briefs and approval reminders hourly and a channel check every 6 hours, each with retries and an encrypted DLQ', () => {
      const { stateless } = get();
      const schedules = resources(stateless, 'AWS::Scheduler::Schedule').map(([, s]) => s.Properties);
      expect(schedules.map((s) => s.ScheduleExpression).sort()).toEqual([
        'cron(0 * * * ? *)',
        'cron(0 2 * * ? *)',
        'cron(15 * * * ? *)',
        'cron(30 * * * ? *)',
        'rate(6 hours)',
      ]);
      const queues = stateless.findResources('AWS::SQS::Queue') as Record<string, Resource>;
      for (const schedule of schedules) {
        if (String(schedule.ScheduleExpression).startsWith('cron'))
          expect(schedule.ScheduleExpressionTimezone).toBe('UTC');
        const target = schedule.Target as {
          RetryPolicy: { MaximumRetryAttempts: number };
          DeadLetterConfig: { Arn: unknown };
        };
        expect(target.RetryPolicy.MaximumRetryAttempts).toBeGreaterThan(0);
        const queueId = (target.DeadLetterConfig.Arn as { 'Fn::GetAtt': [string] })['Fn::GetAtt'][0];
        expect(queues[queueId]?.Properties.SqsManagedSseEnabled).toBe(true);
      }
      expect(schedules.map((s) => resolveIntrinsic((s.Target as { Arn: unknown }).Arn, (id) => id)).sort()).toEqual(
        [
          functionIdOf(stateless, 'functions/sync/full-sync.ts'),
          functionIdOf(stateless, 'functions/sync/incremental-sync.ts'),
          functionIdOf(stateless, 'functions/sync/notification-channel.ts'),
          functionIdOf(stateless, 'functions/sync/owner-briefs.ts'),
          functionIdOf(stateless, 'functions/sync/approval-reminders.ts'),
        ].sort(),
      );
    });
  });

  describe('data stores', () => {
    it('encrypts RDS Postgres with the key, keeps it private, with IAM auth, backups, and a TLS-only proxy', () => {
      const { stateful } = get();
      stateful.hasResourceProperties('AWS::RDS::DBInstance', {
        Engine: 'postgres',
        StorageEncrypted: true,
        KmsKeyId: Match.anyValue(),
        PubliclyAccessible: false,
        EnableIAMDatabaseAuthentication: true,
        BackupRetentionPeriod: Match.anyValue(),
      });
      const [, instance] = resources(stateful, 'AWS::RDS::DBInstance')[0]!;
      expect(instance.Properties.BackupRetentionPeriod).toBeGreaterThanOrEqual(7);
      const [, subnets] = resources(stateful, 'AWS::RDS::DBSubnetGroup')[0]!;
      for (const subnet of subnets.Properties.SubnetIds as { Ref: string }[])
        expect(subnet.Ref).toMatch(/^VpcdataSubnet/);
      stateful.hasResourceProperties('AWS::RDS::DBProxy', { RequireTLS: true, EngineFamily: 'POSTGRESQL' });
      // The database secret rotates (hosted single-user rotation) besides the Redis AUTH token (below).
      const rotated = resources(stateful, 'AWS::SecretsManager::RotationSchedule').map(
        ([, schedule]) => (schedule.Properties.SecretId as { Ref: string }).Ref,
      );
      expect(rotated.filter((id) => id.startsWith('DatabaseSecretAttachment'))).toHaveLength(1);
    });

    it('encrypts Redis in transit and at rest, with an AUTH token from Secrets Manager', () => {
      const { stateful } = get();
      const [, redis] = resources(stateful, 'AWS::ElastiCache::ReplicationGroup')[0]!;
      expect(redis.Properties).toMatchObject({
        TransitEncryptionEnabled: true,
        TransitEncryptionMode: 'required',
        AtRestEncryptionEnabled: true,
      });
      expect(redis.Properties.KmsKeyId).toBeDefined();
      expect(JSON.stringify(redis.Properties.AuthToken)).toContain('{{resolve:secretsmanager:');
    });

    it('blocks public access, requires TLS and encrypts every bucket; the audit archive is Object Locked', () => {
      const { stateful } = get();
      const buckets = resources(stateful, 'AWS::S3::Bucket');
      expect(buckets).toHaveLength(3);
      const policies = resources(stateful, 'AWS::S3::BucketPolicy').map(([, p]) => p.Properties);
      for (const [id, bucket] of buckets) {
        expect(bucket.Properties.PublicAccessBlockConfiguration, id).toEqual({
          BlockPublicAcls: true,
          BlockPublicPolicy: true,
          IgnorePublicAcls: true,
          RestrictPublicBuckets: true,
        });
        const policy = policies.find((p) => (p.Bucket as { Ref: string }).Ref === id);
        expect(policy?.PolicyDocument, id).toMatchObject({
          Statement: expect.arrayContaining([
            expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          ]),
        });
        expect(JSON.stringify(bucket.Properties.BucketEncryption), id).toMatch(/aws:kms|AES256/);
      }
      const kmsBuckets = buckets.filter(([, b]) => JSON.stringify(b.Properties.BucketEncryption).includes('aws:kms'));
      expect(kmsBuckets).toHaveLength(2);
      for (const [id, bucket] of kmsBuckets) {
        expect(bucket.Properties.LoggingConfiguration, id).toMatchObject({
          DestinationBucketName: { Ref: expect.stringMatching(/^AccessLogsBucket/) },
        });
      }
      stateful.hasResourceProperties('AWS::S3::Bucket', {
        ObjectLockEnabled: true,
        ObjectLockConfiguration: Match.objectLike({ ObjectLockEnabled: 'Enabled' }),
        VersioningConfiguration: { Status: 'Enabled' },
        BucketEncryption: Match.objectLike({
          ServerSideEncryptionConfiguration: [
            Match.objectLike({ ServerSideEncryptionByDefault: Match.objectLike({ SSEAlgorithm: 'aws:kms' }) }),
          ],
        }),
      });
    });

    it('runs Qdrant from a pinned image, reachable on 6333 from the functions only through service discovery', () => {
      const { stateful } = get();
      const [, task] = resources(stateful, 'AWS::ECS::TaskDefinition')[0]!;
      const [container] = task.Properties.ContainerDefinitions as Record<string, unknown>[];
      expect(container!.Image).toMatch(/^qdrant\/qdrant:v\d+\.\d+\.\d+$/);
      expect(container!.HealthCheck).toMatchObject({ Command: ['CMD-SHELL', expect.stringContaining('/healthz')] });
      stateful.hasResourceProperties('AWS::ECS::Cluster', {
        ClusterSettings: [{ Name: 'containerInsights', Value: 'enabled' }],
      });
      stateful.hasResourceProperties('AWS::ECS::Service', { ServiceRegistries: Match.anyValue() });
      const qdrantIngress = resources(stateful, 'AWS::EC2::SecurityGroupIngress')
        .map(([, rule]) => rule.Properties)
        .filter((rule) => rule.FromPort === 6333);
      expect(qdrantIngress).toHaveLength(1);
      expect(qdrantIngress[0]!.SourceSecurityGroupId).toEqual({
        'Fn::GetAtt': [expect.stringMatching(/^FunctionsSecurityGroup/), 'GroupId'],
      });
    });

    it("keeps Qdrant's collections on a gp3 EBS volume encrypted with the stage key, and its snapshots on encrypted EFS", () => {
      const { stateful } = get();
      const [, alias] = resources(stateful, 'AWS::KMS::Alias').find(([, a]) =>
        String(a.Properties.AliasName).match(/^alias\/sergas-(dev|prod)$/),
      )!;
      const stageKey = (alias.Properties.TargetKeyId as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
      const [, task] = resources(stateful, 'AWS::ECS::TaskDefinition')[0]!;
      const [container] = task.Properties.ContainerDefinitions as Record<string, unknown>[];
      const env = Object.fromEntries(
        (container!.Environment as { Name: string; Value: string }[]).map((e) => [e.Name, e.Value]),
      );
      const storagePath = env.QDRANT__STORAGE__STORAGE_PATH;
      const snapshotsPath = env.QDRANT__STORAGE__SNAPSHOTS_PATH;
      expect(storagePath).toBe(QDRANT_STORAGE_PATH);
      expect(snapshotsPath).toBe(QDRANT_SNAPSHOTS_PATH);
      expect(storagePath).not.toBe(snapshotsPath);
      // Each path on its own volume: the live storage on EBS, the snapshots on EFS.
      expect(container!.MountPoints).toEqual(
        expect.arrayContaining([
          { ContainerPath: storagePath, ReadOnly: false, SourceVolume: 'storage' },
          { ContainerPath: snapshotsPath, ReadOnly: false, SourceVolume: 'snapshots' },
        ]),
      );
      expect(container!.MountPoints).toHaveLength(2);
      expect(task.Properties.Volumes).toEqual(
        expect.arrayContaining([
          { Name: 'storage', ConfiguredAtLaunch: true },
          {
            Name: 'snapshots',
            EFSVolumeConfiguration: {
              FilesystemId: { Ref: expect.stringMatching(/^QdrantStorage/) },
              TransitEncryption: 'ENABLED',
              AuthorizationConfig: { AccessPointId: { Ref: expect.any(String) }, IAM: 'ENABLED' },
            },
          },
        ]),
      );
      expect(task.Properties.Volumes).toHaveLength(2);

      // The volume ECS creates for each task: gp3, encrypted with the stage key, made by its infrastructure role.
      const [, service] = resources(stateful, 'AWS::ECS::Service')[0]!;
      expect(service.Properties.VolumeConfigurations).toEqual([
        {
          Name: 'storage',
          ManagedEBSVolume: expect.objectContaining({
            Encrypted: true,
            KmsKeyId: { Ref: stageKey },
            VolumeType: 'gp3',
            FilesystemType: 'xfs',
            SizeInGiB: expect.any(Number),
            RoleArn: { 'Fn::GetAtt': [expect.any(String), 'Arn'] },
          }),
        },
      ]);
      const volumeRoleId = (
        service.Properties.VolumeConfigurations as { ManagedEBSVolume: { RoleArn: { 'Fn::GetAtt': [string] } } }[]
      )[0]!.ManagedEBSVolume.RoleArn['Fn::GetAtt'][0];
      const volumeRole = stateful.findResources('AWS::IAM::Role')[volumeRoleId] as Resource;
      expect(volumeRole.Properties.AssumeRolePolicyDocument).toMatchObject({
        Statement: [{ Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'ecs.amazonaws.com' } }],
      });
      expect(JSON.stringify(volumeRole.Properties.ManagedPolicyArns)).toContain(
        ':iam::aws:policy/service-role/AmazonECSInfrastructureRolePolicyForVolumes',
      );
      const volumePolicies = resources(stateful, 'AWS::IAM::Policy').filter(([, p]) =>
        (p.Properties.Roles as { Ref?: string }[]).some((r) => r.Ref === volumeRoleId),
      );
      const volumeStatements = volumePolicies.flatMap(
        ([, p]) => (p.Properties.PolicyDocument as { Statement: Record<string, unknown>[] }).Statement,
      );
      expect(volumeStatements).toContainEqual({
        Effect: 'Allow',
        Action: 'kms:CreateGrant',
        Resource: { 'Fn::GetAtt': [stageKey, 'Arn'] },
        Condition: { Bool: { 'kms:GrantIsForAWSResource': 'true' } },
      });
      for (const statement of volumeStatements) expect(statement.Resource).toEqual({ 'Fn::GetAtt': [stageKey, 'Arn'] });
      // The service waits for those KMS permissions before it starts a task.
      expect((service as Resource & { DependsOn?: string[] }).DependsOn).toEqual(
        expect.arrayContaining([volumeRoleId, ...volumePolicies.map(([id]) => id)]),
      );

      // EFS, encrypted with the stage key, mountable and writable by the Qdrant task's role only.
      const [efsId, fileSystem] = resources(stateful, 'AWS::EFS::FileSystem')[0]!;
      expect(fileSystem.Properties).toMatchObject({ Encrypted: true, KmsKeyId: { 'Fn::GetAtt': [stageKey, 'Arn'] } });
      const taskRoleId = (task.Properties.TaskRoleArn as { 'Fn::GetAtt': [string] })['Fn::GetAtt'][0];
      const efsStatements = resources(stateful, 'AWS::IAM::Policy')
        .filter(([, p]) => (p.Properties.Roles as { Ref?: string }[]).some((r) => r.Ref === taskRoleId))
        .flatMap(([, p]) => (p.Properties.PolicyDocument as { Statement: Statement[] }).Statement);
      expect(efsStatements).toEqual([
        {
          Effect: 'Allow',
          Action: ['elasticfilesystem:ClientMount', 'elasticfilesystem:ClientWrite'],
          Resource: { 'Fn::GetAtt': [efsId, 'Arn'] },
        },
      ]);
    });

    it('starts Qdrant through the snapshot-recovering start script, one task at a time', () => {
      const { stateful } = get();
      const [, task] = resources(stateful, 'AWS::ECS::TaskDefinition')[0]!;
      const [container] = task.Properties.ContainerDefinitions as Record<string, unknown>[];
      expect(container).toMatchObject({
        EntryPoint: ['/bin/sh', '-c'],
        Command: [QDRANT_START_SCRIPT],
        WorkingDirectory: '/qdrant',
      });
      const [, service] = resources(stateful, 'AWS::ECS::Service')[0]!;
      expect(service.Properties).toMatchObject({
        DesiredCount: 1,
        DeploymentConfiguration: { MinimumHealthyPercent: 0, MaximumPercent: 100 },
      });
    });

    it('never declares the same security group rule twice (EC2 rejects duplicates at deploy time)', () => {
      const { stateful } = get();
      // The database port appears both literally and as the instance's Endpoint.Port attribute.
      const port = (value: unknown) =>
        JSON.stringify(value).includes('Endpoint.Port') ? 5432 : (value as number | undefined);
      for (const [type, peer] of [
        ['AWS::EC2::SecurityGroupIngress', 'SourceSecurityGroupId'],
        ['AWS::EC2::SecurityGroupEgress', 'DestinationSecurityGroupId'],
      ] as const) {
        const keys = resources(stateful, type).map(([, rule]) =>
          JSON.stringify([
            rule.Properties.GroupId,
            rule.Properties[peer],
            port(rule.Properties.FromPort),
            port(rule.Properties.ToPort),
          ]),
        );
        expect(new Set(keys).size, type).toBe(keys.length);
      }
    });

    it('rotates the KMS key, logs VPC flows and keeps AWS API traffic on endpoints', () => {
      const { stateful } = get();
      stateful.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
      stateful.hasResourceProperties('AWS::EC2::FlowLog', { TrafficType: 'ALL' });
      const services = resources(stateful, 'AWS::EC2::VPCEndpoint').map(([, e]) =>
        resolveIntrinsic(e.Properties.ServiceName, (id) => id),
      );
      for (const service of ['s3', 'secretsmanager', 'states', 'kms', 'logs']) {
        expect(services.some((name) => name.endsWith(`.${service}`))).toBe(true);
      }
    });

    it('creates the Zoho and Anthropic secrets with the documented keys', () => {
      const { stateful } = get();
      const secrets = resources(stateful, 'AWS::SecretsManager::Secret').map(([, s]) => s.Properties);
      const keysOf = (suffix: string) => {
        const secret = secrets.find((s) => String(s.Name).endsWith(suffix));
        return Object.keys(JSON.parse(String(secret?.SecretString))).sort();
      };
      expect(keysOf('/zoho')).toEqual(['accounts_url', 'api_domain', 'client_id', 'client_secret', 'refresh_token']);
      expect(keysOf('/anthropic')).toEqual(['api_key']);
    });
  });

  describe('Redis AUTH token rotation', () => {
    const ROTATION_ENTRY = 'functions/rotation/redis-auth-token.ts';
    const idOf = (template: Template, type: string, match: (resource: Resource) => boolean) => {
      const found = resources(template, type).filter(([, resource]) => match(resource));
      if (found.length !== 1) throw new Error(`expected one ${type}, found ${found.length}`);
      return found[0]![0];
    };
    const ids = (stateful: Template) => ({
      fn: functionIdOf(stateful, ROTATION_ENTRY),
      secret: idOf(stateful, 'AWS::SecretsManager::Secret', (s) => String(s.Properties.Name).endsWith('/redis-auth')),
      key: idOf(stateful, 'AWS::KMS::Key', () => true),
      redisSecurityGroup: idOf(stateful, 'AWS::EC2::SecurityGroup', (g) =>
        String(g.Properties.GroupDescription).startsWith('Redis:'),
      ),
    });

    it('rotates the Redis AUTH secret every 30 days with its own function, which only Secrets Manager may invoke', () => {
      const { stateful, sergas } = get();
      const { fn, secret } = ids(stateful);
      const schedules = resources(stateful, 'AWS::SecretsManager::RotationSchedule').filter(
        ([, schedule]) => (schedule.Properties.SecretId as { Ref?: string }).Ref === secret,
      );
      expect(schedules).toHaveLength(1);
      const [, schedule] = schedules[0]! as [string, Resource & { DependsOn?: string[] }];
      expect(schedule.Properties).toEqual({
        SecretId: { Ref: secret },
        RotationLambdaARN: { 'Fn::GetAtt': [fn, 'Arn'] },
        RotationRules: { ScheduleExpression: 'rate(30 days)' },
      });
      const permissions = resources(stateful, 'AWS::Lambda::Permission').filter(
        ([, permission]) =>
          JSON.stringify(permission.Properties.FunctionName) === JSON.stringify({ 'Fn::GetAtt': [fn, 'Arn'] }),
      );
      expect(permissions.map(([, permission]) => permission.Properties)).toEqual([
        {
          Action: 'lambda:InvokeFunction',
          FunctionName: { 'Fn::GetAtt': [fn, 'Arn'] },
          Principal: 'secretsmanager.amazonaws.com',
          SourceAccount: sergas.config.account,
        },
      ]);
      // The first rotation starts as soon as the schedule exists: the permission must be there already.
      expect(schedule.DependsOn).toContain(permissions[0]![0]);
    });

    it('runs the function like the others (nodejs22.x, arm64, X-Ray, private subnets) with only the Redis settings', () => {
      const { stateful } = get();
      const { fn, secret } = ids(stateful);
      const props = (stateful.findResources('AWS::Lambda::Function')[fn] as Resource).Properties;
      expect(props).toMatchObject({
        Runtime: 'nodejs22.x',
        Architectures: ['arm64'],
        TracingConfig: { Mode: 'Active' },
      });
      expect((props.VpcConfig as { SubnetIds: { Ref: string }[] }).SubnetIds.map((s) => s.Ref)).toEqual([
        expect.stringMatching(/^VpcprivateSubnet1/),
        expect.stringMatching(/^VpcprivateSubnet2/),
      ]);
      const variables = (props.Environment as { Variables: Record<string, unknown> }).Variables;
      expect(variables.REDIS_AUTH_SECRET_ARN).toEqual({ Ref: secret });
      expect(variables.REDIS_REPLICATION_GROUP_ID).toEqual({ Ref: 'Redis' });
      expect(JSON.stringify(variables.REDIS_ENDPOINT)).toContain('PrimaryEndPoint.Address');
      // No database, no other secret: it is not an app function.
      for (const name of ['DATABASE_SECRET_ARN', 'ZOHO_SECRET_ARN', 'ANTHROPIC_SECRET_ARN', 'SLACK_SECRET_ARN']) {
        expect(variables).not.toHaveProperty(name);
      }
    });

    it('lets the function use exactly that secret, its key through Secrets Manager for it, and that replication group', () => {
      const { stateful, sergas } = get();
      const { fn, secret, key } = ids(stateful);
      const { region, account } = sergas.config;
      expect(statementsOf(stateful, fn)).toEqual([
        { actions: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'], resources: ['*'] },
        {
          actions: [
            'secretsmanager:DescribeSecret',
            'secretsmanager:GetSecretValue',
            'secretsmanager:ListSecretVersionIds',
            'secretsmanager:PutSecretValue',
            'secretsmanager:UpdateSecretVersionStage',
          ],
          resources: [`<${secret}>`],
        },
        { actions: ['kms:Decrypt', 'kms:GenerateDataKey'], resources: [`<${key}>`] },
        {
          actions: ['elasticache:ModifyReplicationGroup', 'elasticache:DescribeReplicationGroups'],
          resources: [`arn:aws:elasticache:${region}:${account}:replicationgroup:<Redis>`],
        },
      ]);
      const kms = resources(stateful, 'AWS::IAM::Policy')
        .flatMap(
          ([, policy]) => (policy.Properties.PolicyDocument as { Statement: Record<string, unknown>[] }).Statement,
        )
        .find(
          (statement) => JSON.stringify(statement.Action) === JSON.stringify(['kms:Decrypt', 'kms:GenerateDataKey']),
        );
      expect(kms?.Condition).toEqual({
        StringEquals: {
          'kms:ViaService': `secretsmanager.${region}.amazonaws.com`,
          'kms:EncryptionContext:SecretARN': { Ref: secret },
        },
      });
      // Nothing in the key policy for it (the key policy delegates to IAM in the account).
      const [, keyResource] = resources(stateful, 'AWS::KMS::Key')[0]!;
      expect(JSON.stringify(keyResource.Properties.KeyPolicy)).not.toContain(fn);
    });

    it('keeps the function to HTTPS and Redis: a security group of its own, which Redis admits on 6379', () => {
      const { stateful } = get();
      const { fn, redisSecurityGroup } = ids(stateful);
      const props = (stateful.findResources('AWS::Lambda::Function')[fn] as Resource).Properties;
      const [group] = (props.VpcConfig as { SecurityGroupIds: { 'Fn::GetAtt': [string, string] }[] }).SecurityGroupIds;
      const groupId = group!['Fn::GetAtt'][0];
      const groupProps = (stateful.findResources('AWS::EC2::SecurityGroup')[groupId] as Resource).Properties;
      expect(groupProps.SecurityGroupEgress).toEqual([
        { CidrIp: '0.0.0.0/0', Description: 'AWS APIs over HTTPS', FromPort: 443, IpProtocol: 'tcp', ToPort: 443 },
      ]);
      const rules = (type: string) => resources(stateful, type).map(([, rule]) => rule.Properties);
      expect(
        rules('AWS::EC2::SecurityGroupEgress').filter((rule) => JSON.stringify(rule.GroupId).includes(groupId)),
      ).toEqual([
        expect.objectContaining({
          DestinationSecurityGroupId: { 'Fn::GetAtt': [redisSecurityGroup, 'GroupId'] },
          FromPort: 6379,
          ToPort: 6379,
        }),
      ]);
      expect(
        rules('AWS::EC2::SecurityGroupIngress').filter(
          (rule) =>
            JSON.stringify(rule.SourceSecurityGroupId) === JSON.stringify({ 'Fn::GetAtt': [groupId, 'GroupId'] }),
        ),
      ).toEqual([
        expect.objectContaining({ GroupId: { 'Fn::GetAtt': [redisSecurityGroup, 'GroupId'] }, FromPort: 6379 }),
      ]);
    });

    it('no longer acknowledges SMG4 (no rotation) on the Redis secret; the hand-issued secrets keep theirs', () => {
      const acknowledged = (path: string) =>
        get()
          .sergas.stateful.node.findAll()
          .filter((construct) => construct.node.path.startsWith(path))
          .flatMap((construct) => construct.node.metadata)
          .filter((entry) => entry.type === 'aws:cdk:acknowledged-rules')
          .flatMap((entry) => Object.keys(entry.data as Record<string, string>));
      const stack = get().sergas.stateful.stackName;
      expect(acknowledged(`${stack}/RedisAuthSecret`)).not.toContain('Annotation::AwsSolutions-SMG4');
      expect(acknowledged(`${stack}/RedisAuthSecret`)).toEqual([]);
      expect(acknowledged(`${stack}/ZohoSecret`)).toContain('Annotation::AwsSolutions-SMG4');
    });
  });
}
