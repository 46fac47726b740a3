import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';
import type { StageSettings } from '../config.ts';
import type { RouteSpec } from '../function-catalog.ts';
import { acknowledge } from '../nag.ts';

export interface SergasApiProps {
  readonly stageName: string;
  readonly settings: StageSettings;
  /** Origins whose pages may call the API (CORS preflight); none: same-origin only. */
  readonly corsOrigins?: readonly string[];
}

/** Cognito groups are the roles (`cognito:groups` in the ID token): an admin sees everything, a manager their reports'. */
export const ROLE_GROUPS = ['admin', 'manager', 'rep'] as const;

// Our error contract (design/CONTRACTS.md) for what API Gateway rejects before a function runs.
const ERROR_TEMPLATE = '{"error":{"code":"$context.error.responseType","message":$context.error.messageString}}';

const UNAUTHENTICATED_REASON: Record<Exclude<RouteSpec['auth'], 'cognito'>, string> = {
  'approval-link':
    'Approval pages are opened from an e-mailed link by people without a Cognito session; the short random single-use approval id is the credential, GET only shows and POST decides once (ARCHITECTURE §6).',
  'webhook-token':
    'Zoho notification callbacks cannot carry a Cognito token; the function checks the verification token registered with the notification channel.',
  public:
    'Returns no account data: the health probe for uptime checks, or the dashboard shell that signs in with Cognito and calls /api/v1 with the token.',
};

/**
 * The REST API: one Lambda proxy integration per route, Cognito on /api/v1, access logs, X-Ray,
 * throttling, parameter validation, and a WAF rate limit in front of the stage.
 */
export class SergasApi extends Construct {
  readonly api: apigateway.RestApi;
  readonly userPool: cognito.UserPool;
  readonly userPoolClient: cognito.UserPoolClient;
  readonly #authorizer: apigateway.CognitoUserPoolsAuthorizer;
  readonly #validator: apigateway.RequestValidator;
  readonly #corsOrigins: readonly string[];
  readonly #preflighted = new Set<string>();

  constructor(scope: Construct, id: string, props: SergasApiProps) {
    super(scope, id);
    const { settings } = props;
    this.#corsOrigins = props.corsOrigins ?? [];

    this.userPool = new cognito.UserPool(this, 'Users', {
      // People are invited by an admin (`sergas user create`), never sign themselves up.
      selfSignUpEnabled: false,
      signInAliases: { email: true },
      // `custom:zoho_user_id` in the ID token links a person to the CRM user whose accounts they own.
      customAttributes: { zoho_user_id: new cognito.StringAttribute({ minLen: 1, maxLen: 50, mutable: true }) },
      passwordPolicy: {
        minLength: 12,
        requireLowercase: true,
        requireUppercase: true,
        requireDigits: true,
        requireSymbols: true,
      },
      mfa: cognito.Mfa.REQUIRED,
      mfaSecondFactor: { otp: true, sms: false },
      accountRecovery: cognito.AccountRecovery.EMAIL_ONLY,
      // Plus adds compromised-credential and adaptive-auth protection; a sales team is a few dozen users.
      featurePlan: cognito.FeaturePlan.PLUS,
      standardThreatProtectionMode: cognito.StandardThreatProtectionMode.FULL_FUNCTION,
      deletionProtection: settings.deletionProtection,
      removalPolicy: settings.removalPolicy,
    });
    this.userPoolClient = this.userPool.addClient('Dashboard', {
      // The dashboard's sign-in page calls InitiateAuth with USER_PASSWORD_AUTH from the browser (plain
      // fetch, no SDK for SRP): the password goes to Cognito over TLS only, never to our API, and the Plus
      // plan's threat protection still checks it. Refresh tokens (REFRESH_TOKEN_AUTH) are always allowed.
      authFlows: { userSrp: true, userPassword: true },
      generateSecret: false,
      preventUserExistenceErrors: true,
      // People may not change which CRM user they are: only an admin sets custom:zoho_user_id.
      writeAttributes: new cognito.ClientAttributes().withStandardAttributes({ fullname: true }),
    });
    for (const [precedence, group] of ROLE_GROUPS.entries()) {
      new cognito.CfnUserPoolGroup(this, `Group-${group}`, {
        userPoolId: this.userPool.userPoolId,
        groupName: group,
        precedence,
        description: `Sergas role ${group}`,
      });
    }
    this.#authorizer = new apigateway.CognitoUserPoolsAuthorizer(this, 'Authorizer', {
      cognitoUserPools: [this.userPool],
    });

    const accessLogs = new logs.LogGroup(this, 'AccessLogs', {
      retention: settings.logRetention,
      removalPolicy: settings.removalPolicy,
    });
    this.api = new apigateway.RestApi(this, 'Api', {
      restApiName: `sergas-${props.stageName}`,
      description: 'Sergas account-management copilot',
      endpointTypes: [apigateway.EndpointType.REGIONAL],
      // Access and execution logging need the account-level CloudWatch role; it outlives this stack
      // because API Gateway keeps one per account and region.
      cloudWatchRole: true,
      cloudWatchRoleRemovalPolicy: RemovalPolicy.RETAIN,
      deployOptions: {
        stageName: props.stageName,
        tracingEnabled: true,
        accessLogDestination: new apigateway.LogGroupLogDestination(accessLogs),
        accessLogFormat: apigateway.AccessLogFormat.jsonWithStandardFields({
          caller: false,
          httpMethod: true,
          ip: true,
          protocol: true,
          requestTime: true,
          resourcePath: true,
          responseLength: true,
          status: true,
          user: true,
        }),
        // ERROR rather than INFO, and no data trace: request bodies carry CRM data.
        loggingLevel: apigateway.MethodLoggingLevel.ERROR,
        dataTraceEnabled: false,
        metricsEnabled: true,
        throttlingRateLimit: settings.apiThrottle.rateLimit,
        throttlingBurstLimit: settings.apiThrottle.burstLimit,
      },
    });
    acknowledge(
      this.api.node.findChild('CloudWatchRole'),
      'IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
      'The AWS-maintained policy for the API Gateway account CloudWatch role, required for access and execution logs.',
    );

    for (const type of [apigateway.ResponseType.DEFAULT_4XX, apigateway.ResponseType.DEFAULT_5XX]) {
      this.api.addGatewayResponse(`Gateway${type.responseType}`, {
        type,
        templates: { 'application/json': ERROR_TEMPLATE },
      });
    }

    // Checks required path parameters; bodies are validated by each function's zod schema (one source of
    // truth for the 4xx message), so no request models are attached.
    this.#validator = this.api.addRequestValidator('Validator', {
      validateRequestParameters: true,
      validateRequestBody: true,
    });

    const webAcl = new wafv2.CfnWebACL(this, 'WebAcl', {
      scope: 'REGIONAL',
      defaultAction: { allow: {} },
      visibilityConfig: {
        cloudWatchMetricsEnabled: true,
        metricName: `sergas-${props.stageName}-api`,
        sampledRequestsEnabled: true,
      },
      rules: [
        {
          name: 'rate-limit-per-ip',
          priority: 0,
          action: { block: {} },
          statement: { rateBasedStatement: { limit: settings.wafRateLimit, aggregateKeyType: 'IP' } },
          visibilityConfig: {
            cloudWatchMetricsEnabled: true,
            metricName: 'rate-limit-per-ip',
            sampledRequestsEnabled: true,
          },
        },
        {
          name: 'aws-known-bad-inputs',
          priority: 1,
          overrideAction: { none: {} },
          statement: {
            managedRuleGroupStatement: { vendorName: 'AWS', name: 'AWSManagedRulesKnownBadInputsRuleSet' },
          },
          visibilityConfig: {
            cloudWatchMetricsEnabled: true,
            metricName: 'aws-known-bad-inputs',
            sampledRequestsEnabled: true,
          },
        },
      ],
    });
    new wafv2.CfnWebACLAssociation(this, 'WebAclAssociation', {
      resourceArn: this.api.deploymentStage.stageArn,
      webAclArn: webAcl.attrArn,
    });
  }

  /** Adds one route backed by one function. */
  addRoute(route: RouteSpec, fn: lambda.IFunction): apigateway.Method {
    const resource = this.api.root.resourceForPath(route.path);
    const pathParameters = [...route.path.matchAll(/\{(\w+)\}/g)].map((match) => match[1]!);
    const method = resource.addMethod(
      route.method,
      // Test invocations from the console are not worth a second resource policy statement per route.
      new apigateway.LambdaIntegration(fn, {
        proxy: true,
        allowTestInvoke: false,
        // Event streams: InvokeWithResponseStream, each chunk passed on as it comes, for up to 15 minutes.
        ...(route.streaming
          ? { responseTransferMode: apigateway.ResponseTransferMode.STREAM, timeout: Duration.minutes(15) }
          : {}),
      }),
      {
        requestValidator: this.#validator,
        requestParameters: Object.fromEntries(pathParameters.map((name) => [`method.request.path.${name}`, true])),
        ...(route.auth === 'cognito'
          ? { authorizer: this.#authorizer, authorizationType: apigateway.AuthorizationType.COGNITO }
          : { authorizationType: apigateway.AuthorizationType.NONE }),
      },
    );
    if (route.auth !== 'cognito') {
      const reason = UNAUTHENTICATED_REASON[route.auth];
      acknowledge(method, 'APIG4', reason);
      acknowledge(method, 'COG4', reason);
    }
    this.#addPreflight(resource);
    return method;
  }

  /** CORS preflight (a mock integration) for the allowed origins; the functions add the same headers to answers. */
  #addPreflight(resource: apigateway.Resource): void {
    if (this.#corsOrigins.length === 0 || this.#preflighted.has(resource.path)) return;
    this.#preflighted.add(resource.path);
    const preflight = resource.addCorsPreflight({
      allowOrigins: [...this.#corsOrigins],
      allowMethods: ['GET', 'POST', 'OPTIONS'],
      allowHeaders: ['authorization', 'content-type', 'last-event-id'],
      maxAge: Duration.minutes(10),
    });
    const reason =
      'A CORS preflight carries no credentials by design; it answers from a mock integration and returns no data.';
    acknowledge(preflight, 'APIG4', reason);
    acknowledge(preflight, 'COG4', reason);
  }
}
