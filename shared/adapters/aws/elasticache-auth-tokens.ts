import {
  type AuthTokenUpdateStrategyType,
  DescribeReplicationGroupsCommand,
  type ElastiCacheClient,
  InvalidReplicationGroupStateFault,
  ModifyReplicationGroupCommand,
} from '@aws-sdk/client-elasticache';
import { RetryableUpstreamError } from '../../errors.ts';
import type { RedisAuthTokens } from '../../ports/redis-auth-tokens.ts';

export interface ElastiCacheAuthTokensOptions {
  /** How often to look at the replication group while it is modified. */
  readonly pollIntervalMs?: number;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly now?: () => number;
}

/**
 * The AUTH tokens of one ElastiCache replication group (in-transit encryption on, which AUTH requires).
 * Changes are applied immediately (ApplyImmediately): AUTH token changes are not deferred to the maintenance
 * window. Needs elasticache:ModifyReplicationGroup and DescribeReplicationGroups on that group only.
 */
export class ElastiCacheAuthTokens implements RedisAuthTokens {
  readonly #client: ElastiCacheClient;
  readonly #replicationGroupId: string;
  readonly #pollIntervalMs: number;
  readonly #sleep: (ms: number) => Promise<void>;
  readonly #now: () => number;
  #justModified = false;

  constructor(client: ElastiCacheClient, replicationGroupId: string, options: ElastiCacheAuthTokensOptions = {}) {
    this.#client = client;
    this.#replicationGroupId = replicationGroupId;
    this.#pollIntervalMs = options.pollIntervalMs ?? 10_000;
    this.#sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.#now = options.now ?? Date.now;
  }

  async waitUntilAvailable(deadline: Date): Promise<boolean> {
    // Right after a modify call the group may still read `available` for a moment: look once it has begun.
    if (this.#justModified) {
      this.#justModified = false;
      await this.#sleep(this.#pollIntervalMs);
    }
    for (;;) {
      const { ReplicationGroups: groups = [] } = await this.#client.send(
        new DescribeReplicationGroupsCommand({ ReplicationGroupId: this.#replicationGroupId }),
      );
      const group = groups[0];
      if (group?.Status === 'available' && !group.PendingModifiedValues?.AuthTokenStatus) return true;
      if (this.#now() + this.#pollIntervalMs > deadline.getTime()) return false;
      await this.#sleep(this.#pollIntervalMs);
    }
  }

  rotate(token: string): Promise<void> {
    return this.#modify(token, 'ROTATE');
  }

  finalize(token: string): Promise<void> {
    return this.#modify(token, 'SET');
  }

  async #modify(token: string, strategy: AuthTokenUpdateStrategyType): Promise<void> {
    try {
      await this.#client.send(
        new ModifyReplicationGroupCommand({
          ReplicationGroupId: this.#replicationGroupId,
          AuthToken: token,
          AuthTokenUpdateStrategy: strategy,
          ApplyImmediately: true,
        }),
      );
      this.#justModified = true;
    } catch (error) {
      // Another modification (maintenance, a scaling change) is under way: the step is retried later.
      if (error instanceof InvalidReplicationGroupStateFault) {
        throw new RetryableUpstreamError(`Replication group ${this.#replicationGroupId} is not available`, {
          cause: error,
        });
      }
      throw error;
    }
  }
}
