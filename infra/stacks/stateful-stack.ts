import { ArnFormat, Duration, RemovalPolicy, SecretValue, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elasticache from 'aws-cdk-lib/aws-elasticache';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import type { SergasConfig } from '../config.ts';
import { AppFunction, type NamedBucket } from '../constructs/app-function.ts';
import { QdrantService } from '../constructs/qdrant-service.ts';
import { type RotationFunctionSpec, rotationFunctionName } from '../function-catalog.ts';
import { acknowledge } from '../nag.ts';

export interface StatefulStackProps extends StackProps {
  readonly config: SergasConfig;
  /** The functions that rotate this stack's secrets (function-catalog.ts ROTATION_FUNCTIONS). */
  readonly rotationFunctions: readonly RotationFunctionSpec[];
  /** Function id → directory with its prebundled index.mjs. */
  readonly codeDirs: ReadonlyMap<string, string>;
}

/** What the stateless stack builds on. */
export interface StatefulResources {
  readonly vpc: ec2.IVpc;
  /** Every function runs with this group; the data stores admit it and nothing else. */
  readonly functionsSecurityGroup: ec2.ISecurityGroup;
  readonly key: kms.IKey;
  readonly database: { readonly secret: secretsmanager.ISecret; readonly proxyEndpoint: string };
  readonly redis: { readonly endpoint: string; readonly authSecret: secretsmanager.ISecret };
  readonly qdrantUrl: string;
  readonly auditBucket: NamedBucket;
  readonly exportBucket: NamedBucket;
  readonly zohoSecret: secretsmanager.ISecret;
  readonly anthropicSecret: secretsmanager.ISecret;
  /** `{"webhook_url": "…"}`: the Slack incoming webhook messages to people go to; empty leaves Slack off. */
  readonly slackSecret: secretsmanager.ISecret;
}

const VPC_CIDR = '10.40.0.0/16';
const POSTGRES_PORT = 5432;
const REDIS_PORT = 6379;

const DEFAULT_PORT_REASON =
  'The engine default port is kept: only the functions security group can reach it, so a non-standard port adds friction without adding a control.';

/**
 * Everything with data or long-lived identity: network, key, database, cache, vector store, buckets and
 * secrets. Deployed rarely; the stateless stack can be replaced freely on top of it.
 */
export class StatefulStack extends Stack {
  readonly resources: StatefulResources;
  readonly #availabilityZones: readonly string[];

  constructor(scope: Construct, id: string, props: StatefulStackProps) {
    super(scope, id, props);
    const { config } = props;
    this.#availabilityZones = config.availabilityZones;
    const { settings, stage } = config;
    const prefix = `sergas-${stage}`;

    const key = new kms.Key(this, 'Key', {
      alias: `alias/${prefix}`,
      description: `Sergas ${stage}: database, cache, storage and secrets`,
      enableKeyRotation: true,
      // Deleting the key would make every backup and archived object unreadable.
      removalPolicy: RemovalPolicy.RETAIN,
    });

    const vpc = this.createVpc(config);
    const functionsSecurityGroup = new ec2.SecurityGroup(this, 'FunctionsSecurityGroup', {
      vpc,
      description: 'Sergas Lambda functions',
      // Functions call Zoho, Anthropic and AWS APIs over HTTPS.
      allowAllOutbound: true,
    });

    const buckets = this.createBuckets(config, key);
    const database = this.createDatabase(config, vpc, key, functionsSecurityGroup);
    const redis = this.createRedis(config, vpc, key, functionsSecurityGroup, rotationOf(props, 'redis-auth'));

    const qdrant = new QdrantService(this, 'Qdrant', {
      vpc,
      key,
      clientSecurityGroup: functionsSecurityGroup,
      namespaceName: `${stage}.sergas.internal`,
      cpu: settings.qdrant.cpu,
      memoryMiB: settings.qdrant.memoryMiB,
      logRetention: settings.logRetention,
      removalPolicy: settings.removalPolicy,
    });

    // Values are set out of band (console or `aws secretsmanager put-secret-value`); the template only
    // documents the shape. CloudFormation leaves the value alone as long as this template stays the same.
    const zohoSecret = new secretsmanager.Secret(this, 'ZohoSecret', {
      secretName: `sergas/${stage}/zoho`,
      description: 'Zoho CRM OAuth client and refresh token (set out of band)',
      encryptionKey: key,
      secretObjectValue: {
        client_id: SecretValue.unsafePlainText(''),
        client_secret: SecretValue.unsafePlainText(''),
        refresh_token: SecretValue.unsafePlainText(''),
        accounts_url: SecretValue.unsafePlainText('https://accounts.zoho.com'),
        api_domain: SecretValue.unsafePlainText('https://www.zohoapis.com'),
      },
    });
    acknowledge(
      zohoSecret,
      'SMG4',
      'Zoho refresh tokens are issued by Zoho through a human OAuth consent; there is nothing Secrets Manager could rotate them to.',
    );
    const anthropicSecret = new secretsmanager.Secret(this, 'AnthropicSecret', {
      secretName: `sergas/${stage}/anthropic`,
      description: 'Anthropic API key (set out of band)',
      encryptionKey: key,
      secretObjectValue: { api_key: SecretValue.unsafePlainText('') },
    });
    acknowledge(
      anthropicSecret,
      'SMG4',
      'Anthropic API keys are created in the Anthropic console; rotation is a manual, out-of-band procedure.',
    );

    const slackSecret = new secretsmanager.Secret(this, 'SlackSecret', {
      secretName: `sergas/${stage}/slack`,
      description: 'Slack incoming webhook URL for messages to people (set out of band; empty = Slack off)',
      encryptionKey: key,
      secretObjectValue: { webhook_url: SecretValue.unsafePlainText('') },
    });
    acknowledge(
      slackSecret,
      'SMG4',
      'Slack incoming webhook URLs are issued by the Slack app configuration; replacing one is a manual, out-of-band procedure.',
    );

    this.resources = {
      vpc,
      functionsSecurityGroup,
      key,
      database,
      redis,
      qdrantUrl: qdrant.url,
      auditBucket: buckets.audit,
      exportBucket: buckets.exports,
      zohoSecret,
      anthropicSecret,
      slackSecret,
    };
  }

  /** The configured AZs: the default asks AWS (a context lookup that needs credentials at synth time). */
  override get availabilityZones(): string[] {
    return [...this.#availabilityZones];
  }

  private createVpc(config: SergasConfig): ec2.Vpc {
    const vpc = new ec2.Vpc(this, 'Vpc', {
      ipAddresses: ec2.IpAddresses.cidr(VPC_CIDR),
      availabilityZones: this.availabilityZones,
      natGateways: config.settings.natGateways,
      subnetConfiguration: [
        { name: 'public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24 },
        // Functions and Qdrant: they call Zoho, Anthropic and Docker Hub through NAT.
        { name: 'private', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 20 },
        // Data: no route out at all.
        { name: 'data', subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 24 },
      ],
      restrictDefaultSecurityGroup: true,
    });
    Validations.of(vpc).acknowledge({
      id: 'CloudFormation-Validate::W3010',
      reason:
        'AZs are named (-c availabilityZones, default <region>a,b) so synth needs no credentials; Fn::GetAZs would not let us pin subnets per AZ.',
    });
    const flowLogs = new logs.LogGroup(this, 'VpcFlowLogs', {
      retention: config.settings.logRetention,
      removalPolicy: config.settings.removalPolicy,
    });
    vpc.addFlowLog('FlowLog', {
      destination: ec2.FlowLogDestination.toCloudWatchLogs(flowLogs),
      trafficType: ec2.FlowLogTrafficType.ALL,
    });

    // AWS APIs stay on the AWS network: cheaper than NAT for S3 and reachable even if NAT is down.
    vpc.addGatewayEndpoint('S3Endpoint', {
      service: ec2.GatewayVpcEndpointAwsService.S3,
      subnets: [{ subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS }, { subnetType: ec2.SubnetType.PRIVATE_ISOLATED }],
    });
    const interfaceEndpoints: Record<string, ec2.InterfaceVpcEndpointAwsService> = {
      SecretsManager: ec2.InterfaceVpcEndpointAwsService.SECRETS_MANAGER,
      StepFunctions: ec2.InterfaceVpcEndpointAwsService.STEP_FUNCTIONS,
      Kms: ec2.InterfaceVpcEndpointAwsService.KMS,
      Logs: ec2.InterfaceVpcEndpointAwsService.CLOUDWATCH_LOGS,
      XRay: ec2.InterfaceVpcEndpointAwsService.XRAY,
      BedrockRuntime: ec2.InterfaceVpcEndpointAwsService.BEDROCK_RUNTIME,
    };
    // One group for all endpoints, open to the VPC's (literal) CIDR on 443: everything in the VPC may call
    // AWS APIs, and IAM decides what each caller may do.
    const endpointSecurityGroup = new ec2.SecurityGroup(this, 'EndpointSecurityGroup', {
      vpc,
      description: 'AWS API interface endpoints: HTTPS from inside the VPC',
      allowAllOutbound: false,
    });
    endpointSecurityGroup.addIngressRule(ec2.Peer.ipv4(VPC_CIDR), ec2.Port.tcp(443), 'HTTPS from the VPC');
    for (const [name, service] of Object.entries(interfaceEndpoints)) {
      vpc.addInterfaceEndpoint(`${name}Endpoint`, {
        service,
        subnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
        privateDnsEnabled: true,
        securityGroups: [endpointSecurityGroup],
        open: false,
      });
    }
    return vpc;
  }

  private createBuckets(config: SergasConfig, key: kms.IKey): { audit: NamedBucket; exports: NamedBucket } {
    // Deterministic names: operators find them, and IAM policies in the stateless stack can name them
    // without cross-stack tokens.
    const name = (purpose: string) => `sergas-${config.stage}-${purpose}-${config.account}-${config.region}`;

    const accessLogs = new s3.Bucket(this, 'AccessLogsBucket', {
      bucketName: name('access-logs'),
      // S3 server access logging can only deliver to SSE-S3 buckets.
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      lifecycleRules: [{ expiration: Duration.days(365) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    acknowledge(
      accessLogs,
      'S1',
      'This is the access-log bucket itself; logging it into itself would loop and logging it elsewhere only moves the problem.',
    );

    const retention = config.settings.auditRetention;
    const audit = new s3.Bucket(this, 'AuditBucket', {
      bucketName: name('audit'),
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: key,
      bucketKeyEnabled: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      versioned: true,
      objectLockEnabled: true,
      objectLockDefaultRetention:
        retention.mode === 'COMPLIANCE'
          ? s3.ObjectLockRetention.compliance(Duration.days(retention.days))
          : s3.ObjectLockRetention.governance(Duration.days(retention.days)),
      serverAccessLogsBucket: accessLogs,
      serverAccessLogsPrefix: 'audit/',
      // Locked objects cannot be deleted anyway; the bucket outlives any stack.
      removalPolicy: RemovalPolicy.RETAIN,
    });

    const exportsBucket = new s3.Bucket(this, 'ExportsBucket', {
      bucketName: name('exports'),
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: key,
      bucketKeyEnabled: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      versioned: true,
      // Exports are regenerated on demand; old ones are only clutter (and personal data kept too long).
      lifecycleRules: [{ expiration: Duration.days(30), noncurrentVersionExpiration: Duration.days(1) }],
      serverAccessLogsBucket: accessLogs,
      serverAccessLogsPrefix: 'exports/',
      removalPolicy: RemovalPolicy.RETAIN,
    });

    return {
      audit: { bucketName: name('audit'), encryptionKey: key, bucket: audit },
      exports: { bucketName: name('exports'), encryptionKey: key, bucket: exportsBucket },
    };
  }

  private createDatabase(
    config: SergasConfig,
    vpc: ec2.IVpc,
    key: kms.IKey,
    functionsSecurityGroup: ec2.ISecurityGroup,
  ): StatefulResources['database'] {
    const { settings, stage } = config;
    const databaseSecurityGroup = new ec2.SecurityGroup(this, 'DatabaseSecurityGroup', {
      vpc,
      description: 'Postgres: from the RDS Proxy and the rotation function only',
      allowAllOutbound: false,
    });
    const proxySecurityGroup = new ec2.SecurityGroup(this, 'DatabaseProxySecurityGroup', {
      vpc,
      description: 'RDS Proxy: from the Sergas functions only',
      allowAllOutbound: false,
    });
    proxySecurityGroup.addIngressRule(
      functionsSecurityGroup,
      ec2.Port.tcp(POSTGRES_PORT),
      'Postgres from the functions',
    );
    // Proxy → database (egress and ingress) is wired by addProxy below; writing it here too would create
    // identical rules, which EC2 rejects as duplicates at deploy time.

    const instanceIdentifier = `sergas-${stage}`;
    // Created here (not through cloudwatchLogsRetention, a custom-resource Lambda) so its retention is
    // part of the template; RDS writes into it once the instance exists.
    const postgresLogs = new logs.LogGroup(this, 'DatabaseLogs', {
      logGroupName: `/aws/rds/instance/${instanceIdentifier}/postgresql`,
      retention: settings.logRetention,
      removalPolicy: settings.removalPolicy,
    });
    const instance = new rds.DatabaseInstance(this, 'Database', {
      instanceIdentifier,
      engine: rds.DatabaseInstanceEngine.postgres({ version: rds.PostgresEngineVersion.VER_17_9 }),
      instanceType: new ec2.InstanceType(settings.database.instanceClass),
      vpc,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
      securityGroups: [databaseSecurityGroup],
      port: POSTGRES_PORT,
      databaseName: 'sergas',
      credentials: rds.Credentials.fromGeneratedSecret('sergas', {
        secretName: `sergas/${stage}/database`,
        encryptionKey: key,
      }),
      iamAuthentication: true,
      publiclyAccessible: false,
      storageEncrypted: true,
      storageEncryptionKey: key,
      storageType: rds.StorageType.GP3,
      allocatedStorage: settings.database.allocatedStorageGiB,
      maxAllocatedStorage: settings.database.maxAllocatedStorageGiB,
      multiAz: settings.database.multiAz,
      backupRetention: settings.database.backupRetention,
      deleteAutomatedBackups: false,
      copyTagsToSnapshot: true,
      deletionProtection: settings.deletionProtection,
      // Dev keeps a final snapshot rather than nothing: a mistaken teardown should still be recoverable.
      removalPolicy: stage === 'prod' ? RemovalPolicy.RETAIN : RemovalPolicy.SNAPSHOT,
      autoMinorVersionUpgrade: true,
      cloudwatchLogsExports: ['postgresql'],
      caCertificate: rds.CaCertificate.RDS_CA_RSA2048_G1,
    });
    // The instance creates /aws/rds/instance/<id>/postgresql itself on first export unless ours exists first;
    // ours has the retention (and removal policy), so it must exist before the instance starts logging.
    instance.node.addDependency(postgresLogs);
    acknowledge(instance, 'RDS11', DEFAULT_PORT_REASON);
    if (!settings.database.multiAz) {
      acknowledge(instance, 'RDS3', 'Dev runs a single-AZ instance to keep cost down; prod is Multi-AZ.');
    }
    if (!settings.deletionProtection) {
      acknowledge(instance, 'RDS10', 'Dev stacks are torn down routinely; prod has deletion protection.');
    }

    instance.addRotationSingleUser({ automaticallyAfter: Duration.days(30) });

    // The proxy authenticates clients with the rotated secret (our pg adapter takes a connection string);
    // it picks up a rotated password by itself, so functions only need to re-read the secret on auth errors.
    const proxy = instance.addProxy('Proxy', {
      secrets: [instance.secret!],
      vpc,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
      securityGroups: [proxySecurityGroup],
      requireTLS: true,
      iamAuth: false,
      debugLogging: false,
    });

    return { secret: instance.secret!, proxyEndpoint: proxy.endpoint };
  }

  private createRedis(
    config: SergasConfig,
    vpc: ec2.IVpc,
    key: kms.IKey,
    functionsSecurityGroup: ec2.ISecurityGroup,
    rotation: { readonly spec: RotationFunctionSpec; readonly codeDir: string },
  ): StatefulResources['redis'] {
    const { settings, stage } = config;
    const securityGroup = new ec2.SecurityGroup(this, 'RedisSecurityGroup', {
      vpc,
      description: 'Redis: from the Sergas functions only',
      allowAllOutbound: false,
    });
    securityGroup.addIngressRule(functionsSecurityGroup, ec2.Port.tcp(REDIS_PORT), 'Redis from the functions');

    const subnetGroup = new elasticache.CfnSubnetGroup(this, 'RedisSubnets', {
      description: 'Sergas Redis in the isolated data subnets',
      subnetIds: vpc.isolatedSubnets.map((subnet) => subnet.subnetId),
    });

    const authSecret = new secretsmanager.Secret(this, 'RedisAuthSecret', {
      secretName: `sergas/${stage}/redis-auth`,
      description: 'Redis AUTH token',
      encryptionKey: key,
      generateSecretString: {
        secretStringTemplate: '{}',
        generateStringKey: 'token',
        // AUTH tokens are 16–128 printable characters without @, " or /; letters and digits are safe everywhere.
        excludePunctuation: true,
        passwordLength: 64,
      },
    });

    const multiAz = settings.redis.replicas > 0;
    const replicationGroup = new elasticache.CfnReplicationGroup(this, 'Redis', {
      replicationGroupDescription: `Sergas ${stage} cache, rate limits and dedup`,
      engine: 'redis',
      engineVersion: '7.1',
      cacheNodeType: settings.redis.nodeType,
      numNodeGroups: 1,
      replicasPerNodeGroup: settings.redis.replicas,
      automaticFailoverEnabled: multiAz,
      multiAzEnabled: multiAz,
      port: REDIS_PORT,
      cacheSubnetGroupName: subnetGroup.ref,
      securityGroupIds: [securityGroup.securityGroupId],
      atRestEncryptionEnabled: true,
      kmsKeyId: key.keyArn,
      transitEncryptionEnabled: true,
      transitEncryptionMode: 'required',
      // A dynamic reference: CloudFormation resolves it at deploy time, the token never appears in the template.
      authToken: authSecret.secretValueFromJson('token').unsafeUnwrap(),
      snapshotRetentionLimit: stage === 'prod' ? 7 : 0,
      autoMinorVersionUpgrade: true,
    });
    acknowledge(replicationGroup, 'AEC5', DEFAULT_PORT_REASON);
    if (!multiAz) {
      acknowledge(
        replicationGroup,
        'AEC4',
        'Dev runs one cache node; the cache holds only rebuildable data (rate-limit counters, dedup keys, tokens).',
      );
    }

    const endpoint = `${replicationGroup.attrPrimaryEndPointAddress}:${replicationGroup.attrPrimaryEndPointPort}`;
    this.createRedisAuthRotation(config, rotation, { vpc, key, authSecret, replicationGroup, securityGroup, endpoint });
    return { endpoint, authSecret };
  }

  /**
   * Secrets Manager rotates the AUTH token every `everyDays` through a function in the private subnets
   * (functions/rotation/redis-auth-token.ts) that may touch exactly this secret, this replication group and
   * Redis itself. Created here, with the secret: see RotationFunctionSpec for why not in the stateless stack.
   */
  private createRedisAuthRotation(
    config: SergasConfig,
    rotation: { readonly spec: RotationFunctionSpec; readonly codeDir: string },
    redis: {
      readonly vpc: ec2.IVpc;
      readonly key: kms.IKey;
      readonly authSecret: secretsmanager.ISecret;
      readonly replicationGroup: elasticache.CfnReplicationGroup;
      readonly securityGroup: ec2.ISecurityGroup;
      readonly endpoint: string;
    },
  ): AppFunction {
    const { settings, stage } = config;
    const { spec, codeDir } = rotation;
    const { vpc, key, authSecret, replicationGroup } = redis;

    const securityGroup = new ec2.SecurityGroup(this, 'RedisRotationSecurityGroup', {
      vpc,
      description: 'Redis AUTH token rotation: Redis and HTTPS only',
      allowAllOutbound: false,
    });
    // Secrets Manager and KMS answer on the VPC endpoints; ElastiCache's API has none here, so it goes through NAT.
    securityGroup.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), 'AWS APIs over HTTPS');
    securityGroup.connections.allowTo(redis.securityGroup, ec2.Port.tcp(REDIS_PORT), 'Redis AUTH token checks');

    const fn = new AppFunction(this, 'RedisAuthRotation', {
      functionName: rotationFunctionName(stage, spec),
      entry: spec.entry,
      codeDir,
      serviceName: spec.id,
      logLevel: settings.powertoolsLogLevel,
      logRetention: settings.logRetention,
      logRemovalPolicy: settings.removalPolicy,
      vpc,
      securityGroup,
      environment: {
        SERGAS_STAGE: stage,
        REDIS_AUTH_SECRET_ARN: authSecret.secretArn,
        REDIS_REPLICATION_GROUP_ID: replicationGroup.ref,
        REDIS_ENDPOINT: redis.endpoint,
      },
      memoryMiB: 256,
      timeout: Duration.seconds(spec.timeoutSeconds),
    });

    // Written out rather than through RotationSchedule's grants, which add secretsmanager:GetRandomPassword on
    // `*` (tokens come from the function's own CSPRNG) and a key policy statement.
    fn.function.addToRolePolicy(
      new iam.PolicyStatement({
        actions: [
          'secretsmanager:DescribeSecret',
          'secretsmanager:GetSecretValue',
          // A failed rotation's token is in a deprecated version, which only this lists (see the use case).
          'secretsmanager:ListSecretVersionIds',
          'secretsmanager:PutSecretValue',
          'secretsmanager:UpdateSecretVersionStage',
        ],
        resources: [authSecret.secretArn],
      }),
    );
    fn.function.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        resources: [key.keyArn],
        conditions: {
          StringEquals: {
            'kms:ViaService': `secretsmanager.${this.region}.amazonaws.com`,
            'kms:EncryptionContext:SecretARN': authSecret.secretArn,
          },
        },
      }),
    );
    fn.function.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['elasticache:ModifyReplicationGroup', 'elasticache:DescribeReplicationGroups'],
        resources: [
          this.formatArn({
            service: 'elasticache',
            resource: 'replicationgroup',
            resourceName: replicationGroup.ref,
            arnFormat: ArnFormat.COLON_RESOURCE_NAME,
          }),
        ],
      }),
    );

    const invoke = new lambda.CfnPermission(this, 'RedisAuthRotationInvoke', {
      action: 'lambda:InvokeFunction',
      functionName: fn.function.functionArn,
      principal: 'secretsmanager.amazonaws.com',
      sourceAccount: this.account,
    });
    // Secrets Manager starts the first rotation as soon as the schedule exists, so it must be allowed to call.
    const schedule = new secretsmanager.CfnRotationSchedule(this, 'RedisAuthRotationSchedule', {
      secretId: authSecret.secretArn,
      rotationLambdaArn: fn.function.functionArn,
      rotationRules: { scheduleExpression: `rate(${spec.everyDays} days)` },
    });
    schedule.node.addDependency(invoke);
    return fn;
  }
}

/** The rotation function for `secret` and its bundle; synth fails without them. */
function rotationOf(
  props: StatefulStackProps,
  secret: RotationFunctionSpec['rotates'],
): { spec: RotationFunctionSpec; codeDir: string } {
  const spec = props.rotationFunctions.find((candidate) => candidate.rotates === secret);
  if (!spec) throw new Error(`No rotation function for the ${secret} secret`);
  const codeDir = props.codeDirs.get(spec.id);
  if (!codeDir) throw new Error(`No bundle for function ${spec.id}`);
  return { spec, codeDir };
}
