import { describe, expect, it } from 'vitest';
import {
  LexicalHashingEmbedder,
  stem,
  tokenise,
} from '../../../shared/adapters/embeddings/lexical-hashing-embedder.ts';

const cosine = (a: number[], b: number[]) => a.reduce((sum, x, i) => sum + x * b[i]!, 0);
const embedder = new LexicalHashingEmbedder();
const embed = (text: string) => embedder.embedOne(text);

describe('the lexical hashing embedder', () => {
  it.each([
    ['renewals', 'renewal'],
    ['renewed', 'renew'],
    ['renewing', 'renew'],
    ['companies', 'company'],
    ['called', 'call'],
    ['stopped', 'stop'],
    ['business', 'business'],
    ['analysis', 'analysis'],
    ['q3', 'q3'],
  ])('stems %s to %s', (word, stemmed) => {
    expect(stem(word)).toBe(stemmed);
  });

  it('splits Unicode words, lower-cases them and drops stopwords', () => {
    expect(tokenise('The CFO of Müller GmbH won’t sign—until Q3!')).toEqual([
      'cfo',
      'müller',
      'gmbh',
      'wont',
      'sign',
      'until',
      'q3',
    ]);
  });

  it('gives vectors of its dimension and unit length', () => {
    const vector = embed('Pricing concerns raised during the renewal call');

    expect(vector).toHaveLength(384);
    expect(Math.hypot(...vector)).toBeCloseTo(1, 10);
  });

  it('embeds the same text to the same vector in every run', () => {
    expect(embed('Escalate the support backlog')).toEqual(
      new LexicalHashingEmbedder().embedOne('Escalate the support backlog'),
    );
  });

  it('gives a text with no words the zero vector', () => {
    expect(embed('the, and… of!').every((x) => x === 0)).toBe(true);
  });

  it('scores a text about the same subject above an unrelated one', () => {
    const query = embed('renewal pricing concerns');
    const related = embed('Customer raised concerns about pricing before the renewal');
    const unrelated = embed('Shipped the new warehouse scanners to the Lyon depot');

    expect(cosine(query, related)).toBeGreaterThan(0.4);
    expect(cosine(query, related)).toBeGreaterThan(cosine(query, unrelated) + 0.3);
  });

  it('matches inflected forms of the same words', () => {
    expect(cosine(embed('renewing contracts'), embed('contract renewed'))).toBeGreaterThan(0.6);
  });

  it('ranks a text sharing a phrase above one with the same words apart', () => {
    const query = embed('support ticket backlog');
    const phrase = embed('the support ticket backlog keeps growing');
    const scattered = embed('backlog of invoices; ticket for the support of printers');

    expect(cosine(query, phrase)).toBeGreaterThan(cosine(query, scattered));
  });

  it('embeds a batch in the order given', async () => {
    const vectors = await embedder.embed(['first call', 'second meeting']);

    expect(vectors).toEqual([embed('first call'), embed('second meeting')]);
  });
});
