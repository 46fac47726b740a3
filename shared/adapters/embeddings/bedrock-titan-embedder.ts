import { BedrockRuntimeClient, InvokeModelCommand } from '@aws-sdk/client-bedrock-runtime';
import { z } from 'zod';
import { AppError, RetryableUpstreamError } from '../../errors.ts';
import type { Embedder } from '../../ports/embedder.ts';
import { TITAN_TEXT_EMBEDDINGS_V2 } from './embedding-models.ts';

/** Titan v2 takes at most 50,000 characters (and 8,192 tokens) per text. */
const MAX_INPUT_CHARS = 50_000;

const TitanResponse = z.object({
  embedding: z.array(z.number()),
  inputTextTokenCount: z.number().int().nonnegative(),
});

const RETRYABLE = new Set([
  'ThrottlingException',
  'ServiceUnavailableException',
  'InternalServerException',
  'ModelNotReadyException',
  'ModelTimeoutException',
  'TimeoutError',
]);
const NETWORK_FAILURES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE']);

export interface BedrockTitanEmbedderOptions {
  client?: BedrockRuntimeClient;
  modelId?: string;
  /** Titan v2 offers 256, 512 or 1024 (its default). */
  dimension?: 256 | 512 | 1024;
  /** Titan embeds one text per call; this many calls run at once. */
  concurrency?: number;
}

/**
 * Amazon Titan Text Embeddings V2 through Bedrock's InvokeModel, normalised vectors. Retries with
 * backoff are the SDK's; what still fails after them and is worth retrying later becomes
 * RetryableUpstreamError (ASL retries on that name).
 */
export class BedrockTitanEmbedder implements Embedder {
  readonly dimension: number;
  readonly model: string;
  readonly #client: BedrockRuntimeClient;
  readonly #concurrency: number;

  constructor(options: BedrockTitanEmbedderOptions = {}) {
    this.#client = options.client ?? new BedrockRuntimeClient({});
    this.model = options.modelId ?? TITAN_TEXT_EMBEDDINGS_V2;
    this.dimension = options.dimension ?? 1024;
    this.#concurrency = Math.max(1, options.concurrency ?? 4);
  }

  async embed(texts: readonly string[]): Promise<number[][]> {
    const vectors: number[][] = new Array(texts.length);
    let next = 0;
    const worker = async () => {
      while (next < texts.length) {
        const index = next++;
        vectors[index] = await this.#embedOne(texts[index]!);
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.#concurrency, texts.length) }, worker));
    return vectors;
  }

  async #embedOne(text: string): Promise<number[]> {
    const inputText = text.trim().slice(0, MAX_INPUT_CHARS);
    // Titan refuses an empty inputText; nothing to embed is the zero vector, as the port says.
    if (inputText.length === 0) return new Array<number>(this.dimension).fill(0);
    let body: Uint8Array;
    try {
      const response = await this.#client.send(
        new InvokeModelCommand({
          modelId: this.model,
          contentType: 'application/json',
          accept: 'application/json',
          body: JSON.stringify({ inputText, dimensions: this.dimension, normalize: true }),
        }),
      );
      body = response.body;
    } catch (error) {
      const {
        name = '',
        code = '',
        $metadata,
      } = error as {
        name?: string;
        code?: string;
        $metadata?: { httpStatusCode?: number };
      };
      if (RETRYABLE.has(name) || NETWORK_FAILURES.has(code) || ($metadata?.httpStatusCode ?? 0) >= 500) {
        throw new RetryableUpstreamError(`Bedrock ${this.model} is unavailable: ${name}`, { cause: error });
      }
      throw error;
    }
    const parsed = TitanResponse.safeParse(JSON.parse(new TextDecoder().decode(body)));
    if (!parsed.success || parsed.data.embedding.length !== this.dimension) {
      throw new AppError(
        'EMBEDDING_INVALID',
        `Bedrock ${this.model} answered something other than a ${this.dimension}-d embedding`,
        {
          cause: parsed.success ? undefined : parsed.error,
        },
      );
    }
    return parsed.data.embedding;
  }
}
