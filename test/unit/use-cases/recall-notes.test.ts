import { describe, expect, it } from 'vitest';
import { LexicalHashingEmbedder } from '../../../shared/adapters/embeddings/lexical-hashing-embedder.ts';
import { MemoryVectorStore } from '../../../shared/adapters/vectors/memory-vector-store.ts';
import type { Embedder } from '../../../shared/ports/embedder.ts';
import {
  ACTIVITY_TEXT_COLLECTION,
  indexAccountNotes,
  indexSnapshotNotes,
  recallNotes,
  recallSnapshotNotes,
} from '../../../shared/use-cases/recall-notes.ts';
import {
  anAccount,
  aSnapshot,
  callDaysAgo,
  meetingDaysAgo,
  noteDaysAgo,
  taskDueDaysAgo,
} from '../../fixtures/domain/builders.ts';
import { snapshotCopy } from '../../support/snapshot-copy.ts';

const ACME = '4876876000000100001';
const BOREALIS = '4876876000000100002';

const pricingNote = noteDaysAgo(4, {
  subject: 'Pricing concerns before renewal',
  description: 'CFO says the renewal price is 12% above budget and asks for a multi-year discount.',
});
const onboardingCall = callDaysAgo(9, {
  subject: 'Quarterly check-in call',
  description: 'Discussed onboarding of the new Lyon warehouse team; scanners arrive next month.',
});
const securityMeeting = meetingDaysAgo(20, {
  subject: 'Security review',
  description: 'IT asked for the SOC 2 report and single sign-on setup.',
});
const proposalTask = taskDueDaysAgo(2, { description: 'Include the volume discount tiers.' });
const invoiceNote = noteDaysAgo(30, {
  subject: 'Invoice dispute',
  description: 'Call Jane at jane.cooper@acme-logistics.example or +1 415 555 0134 about invoice INV-2231.',
});

function world(embedder: Embedder = new LexicalHashingEmbedder()) {
  const acme = aSnapshot({
    activities: [pricingNote, onboardingCall, securityMeeting, proposalTask, invoiceNote],
  });
  const borealis = aSnapshot({
    account: anAccount({ id: BOREALIS, name: 'Borealis Freight' }),
    activities: [
      noteDaysAgo(1, { accountId: BOREALIS, subject: 'Renewal pricing', description: 'They want a renewal discount.' }),
    ],
  });
  const copy = snapshotCopy([acme, borealis]);
  const vectors = new MemoryVectorStore();
  return { deps: { copy, vectors, embedder }, copy, vectors, acme };
}

/** Remembers every text it was asked to embed, under the model (and dimension) it is given. */
function recordingEmbedder(options: { model?: string; dimension?: number } = {}): Embedder & { texts: string[] } {
  const inner = new LexicalHashingEmbedder({ dimension: options.dimension });
  const texts: string[] = [];
  return {
    dimension: inner.dimension,
    model: options.model ?? inner.model,
    texts,
    embed: async (batch) => {
      texts.push(...batch);
      return inner.embed(batch);
    },
  };
}

describe('recalling an account’s notes', () => {
  it('indexes the text of every note and activity of the account', async () => {
    const { deps, vectors } = world();

    expect(await indexAccountNotes(deps, ACME)).toEqual({ indexed: 5, embedded: 5, removed: 0 });
    expect(await vectors.count(ACTIVITY_TEXT_COLLECTION, { accountId: ACME, module: 'Notes' })).toBe(2);
  });

  it('recalls the note about the subject asked for first', async () => {
    const { deps } = world();
    await indexAccountNotes(deps, ACME);

    const recalled = await recallNotes(deps, ACME, 'renewal price discount', 3);

    expect(recalled[0]?.activity.id).toBe(pricingNote.id);
    expect(recalled[0]!.score).toBeGreaterThan(recalled[1]!.score);
  });

  it('recalls the meeting that matches a question about it', async () => {
    const { deps } = world();

    const [first] = await recallNotes(deps, ACME, 'What did IT ask about single sign-on?', 1);

    expect(first?.activity).toEqual(securityMeeting);
  });

  it('only recalls activities of the account asked about', async () => {
    const { deps } = world();
    await indexAccountNotes(deps, ACME);
    await indexAccountNotes(deps, BOREALIS);

    const recalled = await recallNotes(deps, ACME, 'renewal pricing discount', 5);

    expect(recalled.every((r) => r.activity.accountId === ACME)).toBe(true);
  });

  it('indexes an account the first time it is asked about', async () => {
    const { deps, vectors } = world();

    const recalled = await recallNotes(deps, ACME, 'warehouse onboarding', 1);

    expect(recalled[0]?.activity.id).toBe(onboardingCall.id);
    expect(await vectors.count(ACTIVITY_TEXT_COLLECTION, { accountId: ACME })).toBe(5);
  });

  it('answers several questions about a loaded snapshot with one call to the embedder, in order', async () => {
    const { deps, acme } = world();
    await indexSnapshotNotes(deps, acme);
    const batches: (readonly string[])[] = [];
    const embedder: Embedder = {
      dimension: deps.embedder.dimension,
      model: deps.embedder.model,
      embed: (texts) => {
        batches.push(texts);
        return deps.embedder.embed(texts);
      },
    };
    const questions = ['renewal price discount', 'What did IT ask about single sign-on?', 'the and of'];

    const [pricing, meeting, nothing] = await recallSnapshotNotes({ ...deps, embedder }, acme, questions, 1);

    expect(batches).toEqual([questions]);
    expect(pricing?.[0]?.activity.id).toBe(pricingNote.id);
    expect(meeting?.[0]?.activity).toEqual(securityMeeting);
    expect(nothing).toEqual([]);
  });

  it('masks e-mail addresses and phone numbers before the text is embedded', async () => {
    const embedder = recordingEmbedder();
    const { deps } = world(embedder);

    await indexAccountNotes(deps, ACME);

    const invoiceText = embedder.texts.find((t) => t.startsWith('Invoice dispute'));
    expect(invoiceText).toContain('[EMAIL]');
    expect(invoiceText).toContain('[PHONE]');
    expect(embedder.texts.join('\n')).not.toContain('jane.cooper@');
  });

  it('leaves out an activity deleted since the account was indexed', async () => {
    const { deps, copy, acme } = world();
    await indexAccountNotes(deps, ACME);
    copy.put({ ...acme, activities: acme.activities.filter((a) => a.id !== pricingNote.id) });

    const recalled = await recallNotes(deps, ACME, 'renewal price discount', 5);

    expect(recalled.map((r) => r.activity.id)).not.toContain(pricingNote.id);
  });

  it('drops the vectors of deleted activities when the account is indexed again', async () => {
    const { deps, copy, acme, vectors } = world();
    await indexAccountNotes(deps, ACME);
    copy.put({ ...acme, activities: [onboardingCall] });

    expect(await indexAccountNotes(deps, ACME)).toEqual({ indexed: 1, embedded: 0, removed: 4 });
    expect(await vectors.count(ACTIVITY_TEXT_COLLECTION, { accountId: ACME })).toBe(1);
  });

  it('embeds nothing when an account whose notes did not change is indexed again', async () => {
    const embedder = recordingEmbedder();
    const { deps } = world(embedder);
    await indexAccountNotes(deps, ACME);
    embedder.texts.length = 0;

    expect(await indexAccountNotes(deps, ACME)).toEqual({ indexed: 5, embedded: 0, removed: 0 });
    expect(embedder.texts).toEqual([]);
    expect((await recallNotes(deps, ACME, 'renewal price discount', 1))[0]?.activity.id).toBe(pricingNote.id);
  });

  it('embeds an edited note again, once, and only that one', async () => {
    const embedder = recordingEmbedder();
    const { deps, copy, acme } = world(embedder);
    await indexAccountNotes(deps, ACME);
    const edited = { ...onboardingCall, description: 'The customer now asks about a renewal discount.' };
    copy.put({ ...acme, activities: acme.activities.map((a) => (a.id === onboardingCall.id ? edited : a)) });
    embedder.texts.length = 0;

    expect(await indexAccountNotes(deps, ACME)).toEqual({ indexed: 5, embedded: 1, removed: 0 });
    expect(embedder.texts).toEqual([`${edited.subject}\n${edited.description}`]);
    expect(await indexAccountNotes(deps, ACME)).toMatchObject({ embedded: 0 });
  });

  it('embeds a note whose masked text changed with the contact details it holds', async () => {
    const embedder = recordingEmbedder();
    const { deps, copy, acme } = world(embedder);
    await indexAccountNotes(deps, ACME);
    const unmasked = { ...invoiceNote, description: invoiceNote.description!.replace('jane.cooper@', 'j.cooper@') };
    copy.put({ ...acme, activities: acme.activities.map((a) => (a.id === invoiceNote.id ? unmasked : a)) });

    // The embedder only ever sees the masked text, which did not change.
    expect(await indexAccountNotes(deps, ACME)).toMatchObject({ embedded: 0 });
  });

  it('embeds every note again for an embedder of another model, then nothing', async () => {
    const { deps, vectors } = world();
    await indexAccountNotes(deps, ACME);
    const other = recordingEmbedder({ model: 'amazon.titan-embed-text-v2:0' });

    expect(await indexAccountNotes({ ...deps, embedder: other }, ACME)).toEqual({
      indexed: 5,
      embedded: 5,
      removed: 0,
    });
    expect(await indexAccountNotes({ ...deps, embedder: other }, ACME)).toMatchObject({ embedded: 0 });
    expect(await vectors.count(ACTIVITY_TEXT_COLLECTION, { accountId: ACME, model: other.model })).toBe(5);
  });

  it('embeds every note again for an embedder of another dimension', async () => {
    const { deps } = world();
    await indexAccountNotes(deps, ACME);
    const smaller = recordingEmbedder({ model: new LexicalHashingEmbedder().model, dimension: 128 });

    expect(await indexAccountNotes({ ...deps, embedder: smaller }, ACME)).toMatchObject({ embedded: 5 });
  });

  it('recalls nothing for a query without a single meaningful word', async () => {
    const { deps } = world();

    expect(await recallNotes(deps, ACME, 'the of and', 3)).toEqual([]);
  });

  it('starts over when the embedder changes to another dimension', async () => {
    const { deps } = world();
    await indexAccountNotes(deps, ACME);
    const smaller = { ...deps, embedder: new LexicalHashingEmbedder({ dimension: 128 }) };

    const [first] = await recallNotes(smaller, ACME, 'SOC 2 report', 1);

    expect(first?.activity.id).toBe(securityMeeting.id);
  });

  it('refuses an unknown account', async () => {
    const { deps } = world();

    await expect(recallNotes(deps, '4876876000000199999', 'pricing')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});
