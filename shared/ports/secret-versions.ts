/** The staging labels Secrets Manager's rotation protocol moves between the versions of a secret. */
export const AWSCURRENT = 'AWSCURRENT';
export const AWSPENDING = 'AWSPENDING';
export const AWSPREVIOUS = 'AWSPREVIOUS';

export interface SecretVersion {
  readonly versionId: string;
  /** Staging labels; none for a deprecated version (one whose last label moved away). */
  readonly stages: readonly string[];
  readonly createdAt: Date;
}

export interface SecretDescription {
  readonly rotationEnabled: boolean;
  /** Every version the secret still keeps, deprecated ones included. */
  readonly versions: readonly SecretVersion[];
}

/** Which version to read: by id, by staging label, or both (they must then name the same version). */
export interface VersionRef {
  readonly versionId?: string;
  readonly stage?: string;
}

/**
 * The versions of one secret, as a rotation function sees them (Secrets Manager on AWS). Values are the
 * secret strings exactly as stored; callers parse them.
 */
export interface SecretVersions {
  describe(secretId: string): Promise<SecretDescription>;
  /** The value of a version; null when no such version (or none with a value yet) exists. */
  value(secretId: string, ref: VersionRef): Promise<string | null>;
  /**
   * Stores `value` as version `versionId` labelled AWSPENDING. Idempotent for the same id and value;
   * `rotationToken` is the RotationToken of the rotation event, passed on as Secrets Manager asks.
   */
  putPending(secretId: string, versionId: string, value: string, rotationToken?: string): Promise<void>;
  /** Moves AWSCURRENT from `fromVersionId` to `toVersionId`; the version it leaves becomes AWSPREVIOUS. */
  moveCurrent(secretId: string, toVersionId: string, fromVersionId: string): Promise<void>;
}
