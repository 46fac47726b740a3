import { describe, expect, it } from 'vitest';
import { BedrockTitanEmbedder } from '../../../shared/adapters/embeddings/bedrock-titan-embedder.ts';
import { LexicalHashingEmbedder } from '../../../shared/adapters/embeddings/lexical-hashing-embedder.ts';
import { MemoryVectorStore } from '../../../shared/adapters/vectors/memory-vector-store.ts';
import { PgvectorStore } from '../../../shared/adapters/vectors/pgvector-store.ts';
import { QdrantVectorStore } from '../../../shared/adapters/vectors/qdrant-vector-store.ts';
import { loadConfig } from '../../../shared/config/config.ts';
import type { Db } from '../../../shared/ports/db.ts';
import { openEmbedder, openVectorStore } from '../../../shared/runtime/container.ts';

const dbOf = (kind: Db['kind']) => ({ kind }) as Db;

describe('the vector store and embedder the configuration picks', () => {
  it('defaults to the lexical embedder and vectors in the database', () => {
    const config = loadConfig({ SERGAS_HOME: '/tmp/sergas-home' });

    expect(config.vectors).toEqual({ kind: 'database' });
    expect(config.embeddings).toEqual({ kind: 'lexical' });
    expect(openEmbedder(config)).toBeInstanceOf(LexicalHashingEmbedder);
  });

  it('keeps vectors in pgvector when the database is the embedded PGlite', () => {
    expect(openVectorStore(loadConfig({}), dbOf('pglite'))).toBeInstanceOf(PgvectorStore);
  });

  it('keeps vectors in pgvector when the embedded PGlite is reached through its socket', () => {
    expect(openVectorStore(loadConfig({}), dbOf('postgres'), true)).toBeInstanceOf(PgvectorStore);
  });

  it('keeps vectors in memory on a Postgres that may lack pgvector', () => {
    const config = loadConfig({ DATABASE_URL: 'postgresql://postgres@127.0.0.1:5432/sergas' });

    expect(openVectorStore(config, dbOf('postgres'))).toBeInstanceOf(MemoryVectorStore);
  });

  it('uses Qdrant whenever QDRANT_URL is set', () => {
    const config = loadConfig({ QDRANT_URL: 'https://qdrant.internal:6333', QDRANT_API_KEY: 'k' });

    expect(config.vectors).toEqual({ kind: 'qdrant', url: 'https://qdrant.internal:6333', apiKey: 'k' });
    expect(openVectorStore(config, dbOf('pglite'))).toBeInstanceOf(QdrantVectorStore);
  });

  it('embeds with Titan v2 on Bedrock when EMBEDDINGS=bedrock', () => {
    const config = loadConfig({ EMBEDDINGS: 'bedrock', AWS_REGION: 'eu-west-1' });

    expect(config.embeddings).toEqual({
      kind: 'bedrock',
      modelId: 'amazon.titan-embed-text-v2:0',
      region: 'eu-west-1',
    });
    expect(openEmbedder(config)).toMatchObject({ model: 'amazon.titan-embed-text-v2:0', dimension: 1024 });
    expect(openEmbedder(config)).toBeInstanceOf(BedrockTitanEmbedder);
  });

  it('refuses an embedder it does not know and a Qdrant URL that is not one', () => {
    expect(() => loadConfig({ EMBEDDINGS: 'openai', QDRANT_URL: 'qdrant:6333' })).toThrowError(
      expect.objectContaining({
        details: expect.arrayContaining([expect.stringMatching(/^EMBEDDINGS:/), expect.stringMatching(/^QDRANT_URL:/)]),
      }),
    );
  });
});
