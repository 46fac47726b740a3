import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

/** Reads JSON secrets from Secrets Manager, once per cold start. */
export class SecretsManagerSecrets {
  readonly #client: SecretsManagerClient;
  readonly #cache = new Map<string, Promise<Record<string, string>>>();

  constructor(client = new SecretsManagerClient({})) {
    this.#client = client;
  }

  json(secretId: string): Promise<Record<string, string>> {
    let value = this.#cache.get(secretId);
    if (!value) {
      value = this.#client.send(new GetSecretValueCommand({ SecretId: secretId })).then((out) => {
        if (!out.SecretString) throw new Error(`Secret ${secretId} has no string value`);
        return JSON.parse(out.SecretString) as Record<string, string>;
      });
      value.catch(() => this.#cache.delete(secretId));
      this.#cache.set(secretId, value);
    }
    return value;
  }

  /** Reads the secret again (it was rotated) and keeps the new value for later `json` calls. */
  fresh(secretId: string): Promise<Record<string, string>> {
    this.#cache.delete(secretId);
    return this.json(secretId);
  }
}
