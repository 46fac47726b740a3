import { Duration, type RemovalPolicy } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as efs from 'aws-cdk-lib/aws-efs';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as servicediscovery from 'aws-cdk-lib/aws-servicediscovery';
import { Construct } from 'constructs';

/** Pinned so a redeploy never changes the vector store under us; bump together with @qdrant/js-client-rest. */
export const QDRANT_IMAGE = 'qdrant/qdrant:v1.19.1';
export const QDRANT_HTTP_PORT = 6333;

export interface QdrantServiceProps {
  readonly vpc: ec2.IVpc;
  readonly key: kms.IKey;
  /** The only security group allowed to reach Qdrant's HTTP port. */
  readonly clientSecurityGroup: ec2.ISecurityGroup;
  readonly namespaceName: string;
  readonly cpu: number;
  readonly memoryMiB: number;
  readonly logRetention: logs.RetentionDays;
  readonly removalPolicy: RemovalPolicy;
}

/**
 * One Qdrant task on Fargate with its storage on encrypted EFS, reachable as
 * `http://qdrant.<namespace>:6333` through Cloud Map from the functions' security group only.
 */
export class QdrantService extends Construct {
  readonly url: string;
  readonly service: ecs.FargateService;
  readonly securityGroup: ec2.SecurityGroup;

  constructor(scope: Construct, id: string, props: QdrantServiceProps) {
    super(scope, id);

    const cluster = new ecs.Cluster(this, 'Cluster', {
      vpc: props.vpc,
      containerInsightsV2: ecs.ContainerInsights.ENABLED,
    });
    const namespace = new servicediscovery.PrivateDnsNamespace(this, 'Namespace', {
      name: props.namespaceName,
      vpc: props.vpc,
      description: 'Sergas internal services',
    });

    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      description: 'Qdrant: HTTP from the Sergas functions only',
      // Outbound is needed to pull the image from Docker Hub through the NAT gateway.
      allowAllOutbound: true,
    });
    this.securityGroup.addIngressRule(
      props.clientSecurityGroup,
      ec2.Port.tcp(QDRANT_HTTP_PORT),
      'Qdrant HTTP from the functions',
    );

    const fileSystemSecurityGroup = new ec2.SecurityGroup(this, 'StorageSecurityGroup', {
      vpc: props.vpc,
      description: 'Qdrant storage: NFS from the Qdrant task only',
      allowAllOutbound: false,
    });
    const fileSystem = new efs.FileSystem(this, 'Storage', {
      vpc: props.vpc,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
      securityGroup: fileSystemSecurityGroup,
      encrypted: true,
      kmsKey: props.key,
      performanceMode: efs.PerformanceMode.GENERAL_PURPOSE,
      throughputMode: efs.ThroughputMode.ELASTIC,
      enableAutomaticBackups: true,
      removalPolicy: props.removalPolicy,
    });
    const accessPoint = fileSystem.addAccessPoint('StorageAccessPoint', {
      path: '/qdrant',
      createAcl: { ownerUid: '1000', ownerGid: '1000', permissions: '750' },
      posixUser: { uid: '1000', gid: '1000' },
    });

    const taskDefinition = new ecs.FargateTaskDefinition(this, 'Task', {
      cpu: props.cpu,
      memoryLimitMiB: props.memoryMiB,
      runtimePlatform: {
        cpuArchitecture: ecs.CpuArchitecture.ARM64,
        operatingSystemFamily: ecs.OperatingSystemFamily.LINUX,
      },
      volumes: [
        {
          name: 'storage',
          efsVolumeConfiguration: {
            fileSystemId: fileSystem.fileSystemId,
            transitEncryption: 'ENABLED',
            authorizationConfig: { accessPointId: accessPoint.accessPointId, iam: 'ENABLED' },
          },
        },
      ],
    });
    fileSystem.grant(taskDefinition.taskRole, 'elasticfilesystem:ClientMount', 'elasticfilesystem:ClientWrite');

    const logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention,
      removalPolicy: props.removalPolicy,
    });
    const container = taskDefinition.addContainer('qdrant', {
      image: ecs.ContainerImage.fromRegistry(QDRANT_IMAGE),
      essential: true,
      portMappings: [{ containerPort: QDRANT_HTTP_PORT, protocol: ecs.Protocol.TCP }],
      logging: ecs.LogDrivers.awsLogs({ streamPrefix: 'qdrant', logGroup }),
      // The image has no curl or wget; bash's /dev/tcp asks /healthz and checks for a 200 status line.
      healthCheck: {
        command: [
          'CMD-SHELL',
          `bash -c 'exec 3<>/dev/tcp/127.0.0.1/${QDRANT_HTTP_PORT} && printf "GET /healthz HTTP/1.0\\r\\n\\r\\n" >&3 && read -r status <&3 && [[ "$status" == *" 200 "* ]]' || exit 1`,
        ],
        interval: Duration.seconds(30),
        timeout: Duration.seconds(5),
        retries: 3,
        // Loading collections from EFS after a restart takes a while.
        startPeriod: Duration.seconds(120),
      },
    });
    container.addMountPoints({ containerPath: '/qdrant/storage', sourceVolume: 'storage', readOnly: false });

    this.service = new ecs.FargateService(this, 'Service', {
      cluster,
      taskDefinition,
      desiredCount: 1,
      // Qdrant locks its storage directory: two tasks on the same EFS path must never overlap, so a
      // deployment stops the old task before starting the new one (a short vector-search outage).
      minHealthyPercent: 0,
      maxHealthyPercent: 100,
      circuitBreaker: { rollback: true },
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      securityGroups: [this.securityGroup],
      assignPublicIp: false,
      cloudMapOptions: {
        name: 'qdrant',
        cloudMapNamespace: namespace,
        dnsRecordType: servicediscovery.DnsRecordType.A,
        dnsTtl: Duration.seconds(10),
      },
    });
    fileSystem.connections.allowDefaultPortFrom(this.service, 'NFS from the Qdrant task');

    this.url = `http://qdrant.${props.namespaceName}:${QDRANT_HTTP_PORT}`;
  }
}
