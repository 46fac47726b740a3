import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  ListSecretVersionIdsCommand,
  PutSecretValueCommand,
  ResourceNotFoundException,
  type SecretsManagerClient,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import {
  AWSCURRENT,
  AWSPENDING,
  type SecretDescription,
  type SecretVersion,
  type SecretVersions,
  type VersionRef,
} from '../../ports/secret-versions.ts';

/**
 * The versions of a secret in Secrets Manager, for a rotation function. Needs, on that secret only:
 * DescribeSecret, ListSecretVersionIds, GetSecretValue, PutSecretValue, UpdateSecretVersionStage (and the
 * key's Decrypt / GenerateDataKey through Secrets Manager).
 */
export class SecretsManagerSecretVersions implements SecretVersions {
  readonly #client: SecretsManagerClient;

  constructor(client: SecretsManagerClient) {
    this.#client = client;
  }

  async describe(secretId: string): Promise<SecretDescription> {
    const described = await this.#client.send(new DescribeSecretCommand({ SecretId: secretId }));
    // DescribeSecret lists only labelled versions; a failed rotation's deprecated version matters too.
    const versions: SecretVersion[] = [];
    let nextToken: string | undefined;
    do {
      const page = await this.#client.send(
        new ListSecretVersionIdsCommand({ SecretId: secretId, IncludeDeprecated: true, NextToken: nextToken }),
      );
      for (const entry of page.Versions ?? []) {
        if (!entry.VersionId) continue;
        versions.push({
          versionId: entry.VersionId,
          stages: entry.VersionStages ?? [],
          createdAt: entry.CreatedDate ?? new Date(0),
        });
      }
      nextToken = page.NextToken;
    } while (nextToken);
    // The labels DescribeSecret gives win (they are what the AWS rotation templates check); the list adds the
    // deprecated versions and every version's creation date.
    for (const [versionId, stages] of Object.entries(described.VersionIdsToStages ?? {})) {
      const listed = versions.findIndex((v) => v.versionId === versionId);
      if (listed === -1) versions.push({ versionId, stages, createdAt: new Date() });
      else versions[listed] = { ...versions[listed]!, stages };
    }
    return { rotationEnabled: described.RotationEnabled === true, versions };
  }

  async value(secretId: string, ref: VersionRef): Promise<string | null> {
    try {
      const out = await this.#client.send(
        new GetSecretValueCommand({ SecretId: secretId, VersionId: ref.versionId, VersionStage: ref.stage }),
      );
      return out.SecretString ?? null;
    } catch (error) {
      if (error instanceof ResourceNotFoundException) return null;
      throw error;
    }
  }

  async putPending(secretId: string, versionId: string, value: string, rotationToken?: string): Promise<void> {
    await this.#client.send(
      new PutSecretValueCommand({
        SecretId: secretId,
        ClientRequestToken: versionId,
        SecretString: value,
        VersionStages: [AWSPENDING],
        RotationToken: rotationToken,
      }),
    );
  }

  async moveCurrent(secretId: string, toVersionId: string, fromVersionId: string): Promise<void> {
    await this.#client.send(
      new UpdateSecretVersionStageCommand({
        SecretId: secretId,
        VersionStage: AWSCURRENT,
        MoveToVersionId: toVersionId,
        RemoveFromVersionId: fromVersionId,
      }),
    );
  }
}
