import { readFileSync } from 'node:fs';
import { Duration, type RemovalPolicy, Size, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as efs from 'aws-cdk-lib/aws-efs';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as servicediscovery from 'aws-cdk-lib/aws-servicediscovery';
import { Construct } from 'constructs';
import { acknowledge } from '../nag.ts';

/** Pinned so a redeploy never changes the vector store under us; bump together with @qdrant/js-client-rest. */
export const QDRANT_IMAGE = 'qdrant/qdrant:v1.19.1';
export const QDRANT_HTTP_PORT = 6333;
/** Live collections: the task's EBS volume (block storage, as Qdrant requires; not NFS). */
export const QDRANT_STORAGE_PATH = '/qdrant/storage';
/** Collection snapshots: EFS, the only thing that outlives a task. */
export const QDRANT_SNAPSHOTS_PATH = '/qdrant/snapshots';
/** The ECS managed policy for the infrastructure role that creates, attaches and deletes task EBS volumes. */
const VOLUMES_POLICY = 'service-role/AmazonECSInfrastructureRolePolicyForVolumes';

/** The container's command: recovers missing collections from their snapshots, then runs Qdrant (POSIX sh). */
export const QDRANT_START_SCRIPT = readFileSync(new URL('./qdrant-start.sh', import.meta.url), 'utf8');

export interface QdrantServiceProps {
  readonly vpc: ec2.IVpc;
  readonly key: kms.IKey;
  /** The only security group allowed to reach Qdrant's HTTP port. */
  readonly clientSecurityGroup: ec2.ISecurityGroup;
  readonly namespaceName: string;
  readonly cpu: number;
  readonly memoryMiB: number;
  /** The task's EBS volume (collections, plus room to recover snapshots and build new ones). */
  readonly storageGiB?: number;
  readonly logRetention: logs.RetentionDays;
  readonly removalPolicy: RemovalPolicy;
}

/**
 * One Qdrant task on Fargate, reachable as `http://qdrant.<namespace>:6333` through Cloud Map from the
 * functions' security group only.
 *
 * Qdrant needs block storage with a POSIX file system ("won't work with network file systems such as
 * NFS"), so its collections live on an EBS volume (gp3, encrypted with the stage key) that ECS creates for
 * each task and deletes with it. What persists is on encrypted EFS, used only for Qdrant's snapshots
 * (whole files, written once): the daily full sync snapshots every collection there
 * (`VectorStore.snapshot`), and a new task recovers each collection from its newest snapshot before it
 * serves (`qdrant-start.sh`). Without a snapshot a collection starts empty: the vectors are derived data,
 * which the daily full sync (account features) and recall (an account's notes) index again.
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

    // Snapshots only. (The construct ids stay those of the file system that held the live storage before.)
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
    const accessPoint = fileSystem.addAccessPoint('SnapshotsAccessPoint', {
      path: '/snapshots',
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
          name: 'snapshots',
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
      // The image's /bin/sh runs the start script from the image's directory, where ./qdrant is.
      entryPoint: ['/bin/sh', '-c'],
      command: [QDRANT_START_SCRIPT],
      workingDirectory: '/qdrant',
      environment: {
        QDRANT__STORAGE__STORAGE_PATH: QDRANT_STORAGE_PATH,
        QDRANT__STORAGE__SNAPSHOTS_PATH: QDRANT_SNAPSHOTS_PATH,
      },
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
        // A new task recovers its collections from EFS before Qdrant answers.
        startPeriod: Duration.seconds(180),
      },
    });
    container.addMountPoints({ containerPath: QDRANT_SNAPSHOTS_PATH, sourceVolume: 'snapshots', readOnly: false });
    acknowledge(
      taskDefinition,
      'ECS2',
      'The only variables are the two paths the volumes are mounted at, which must change with the mount points in this same task definition; nothing secret or independently configured.',
    );

    // ECS assumes this role to create, attach and delete the task's volume (CloudTrail session
    // ECSTaskVolumesForEBS), and needs the stage key through EC2 for the encryption.
    const volumeRole = new iam.Role(this, 'VolumeRole', {
      assumedBy: new iam.ServicePrincipal('ecs.amazonaws.com'),
      description: 'ECS infrastructure role: the Qdrant task EBS volume',
      managedPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName(VOLUMES_POLICY)],
    });
    volumeRole.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: [
          'kms:DescribeKey',
          'kms:GenerateDataKeyWithoutPlaintext',
          'kms:ReEncryptFrom',
          'kms:ReEncryptTo',
          'kms:Decrypt',
        ],
        resources: [props.key.keyArn],
        conditions: { StringEquals: { 'kms:ViaService': `ec2.${Stack.of(this).region}.amazonaws.com` } },
      }),
    );
    volumeRole.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['kms:CreateGrant'],
        resources: [props.key.keyArn],
        conditions: { Bool: { 'kms:GrantIsForAWSResource': 'true' } },
      }),
    );
    acknowledge(
      volumeRole,
      `IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/${VOLUMES_POLICY}]`,
      'The ECS-maintained policy for EBS task volumes: it only touches volumes and snapshots tagged as created by ECS, and follows the ECS volume lifecycle as it changes.',
    );
    const storageVolume = new ecs.ServiceManagedVolume(this, 'StorageVolume', {
      name: 'storage',
      managedEBSVolume: {
        role: volumeRole,
        size: Size.gibibytes(props.storageGiB ?? 20),
        volumeType: ec2.EbsDeviceVolumeType.GP3,
        fileSystemType: ecs.FileSystemType.XFS,
        encrypted: true,
        kmsKeyId: props.key,
      },
    });
    taskDefinition.addVolume(storageVolume);
    storageVolume.mountIn(container, { containerPath: QDRANT_STORAGE_PATH, readOnly: false });

    this.service = new ecs.FargateService(this, 'Service', {
      cluster,
      taskDefinition,
      desiredCount: 1,
      // One task at a time: a new task recovers from the snapshots the old one wrote, and the Cloud Map
      // name never points at two different stores. A deployment stops the old task before starting the
      // new one (a short vector-search outage).
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
    this.service.addVolume(storageVolume);
    // Its first task's volume needs the role's KMS statements in place, not only the role.
    this.service.node.addDependency(volumeRole);
    fileSystem.connections.allowDefaultPortFrom(this.service, 'NFS from the Qdrant task');

    this.url = `http://qdrant.${props.namespaceName}:${QDRANT_HTTP_PORT}`;
  }
}
