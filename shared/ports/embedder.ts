/**
 * Turns text into vectors whose cosine similarity follows meaning (Bedrock Titan on AWS) or shared
 * words (the offline lexical embedder). Vectors of different models never mix in one collection.
 */
export interface Embedder {
  readonly dimension: number;
  /** Stored with every vector, so a change of model is noticed. */
  readonly model: string;
  /** One vector per text, in order; a text with nothing to embed gets the zero vector. */
  embed(texts: readonly string[]): Promise<number[][]>;
}
