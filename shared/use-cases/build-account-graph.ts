import { dateOnlyOf } from '../domain/calendar.ts';
import type { AccountSnapshot } from '../domain/crm.ts';
import { NotFoundError } from '../errors.ts';
import type { Clock } from '../ports/clock.ts';
import type { CrmCopyReader } from '../ports/crm-copy.ts';
import type {
  CrmLinkReader,
  CrmLinks,
  EdgeType,
  EntityRef,
  GraphEdge,
  GraphEntity,
  KnowledgeGraph,
  WriteCounts,
} from '../ports/knowledge-graph.ts';

export interface BuildAccountGraphDeps {
  copy: CrmCopyReader;
  crmLinks: CrmLinkReader;
  graph: KnowledgeGraph;
  clock: Clock;
}

export interface AccountGraphBuild {
  entities: WriteCounts;
  edges: WriteCounts;
  prunedEdges: number;
  /** Rows inserted, updated or deleted: 0 when nothing changed since the last build. */
  written: number;
}

/** The edge types an account build produces (and prunes); recommendation edges come from the workflow. */
export const CRM_EDGE_TYPES: readonly EdgeType[] = [
  'account_contact',
  'account_deal',
  'deal_contact',
  'owner_account',
  'activity_account',
  'activity_deal',
  'activity_contact',
];

const day = (date: Date | null) => (date ? dateOnlyOf(date) : null);

/**
 * The account's entities and edges as the CRM copy holds them. Only links between records of this
 * snapshot become edges: a Who_Id pointing at another account's contact is that account's business.
 */
export function accountGraphOf(snapshot: Omit<AccountSnapshot, 'baseline'>, links: CrmLinks) {
  const { account } = snapshot;
  const accountRef: EntityRef = { kind: 'account', id: account.id };
  const entities: GraphEntity[] = [
    {
      ...accountRef,
      label: account.name,
      props: {
        status: account.status,
        industry: account.industry,
        annualRevenue: account.annualRevenue,
        renewalDate: day(account.renewalDate),
      },
    },
  ];
  const edges: GraphEdge[] = [];
  const edge = (type: EdgeType, from: EntityRef, to: EntityRef) =>
    edges.push({ type, from, to, accountId: account.id });

  if (account.ownerId) {
    const owner: EntityRef = { kind: 'owner', id: account.ownerId };
    entities.push({
      ...owner,
      label: snapshot.owner?.name ?? account.ownerName,
      props: { role: snapshot.owner?.role ?? null, timeZone: snapshot.owner?.timeZone ?? null },
    });
    edge('owner_account', owner, accountRef);
  }
  const contacts = new Set<string>();
  for (const contact of snapshot.contacts) {
    contacts.add(contact.id);
    entities.push({ kind: 'contact', id: contact.id, label: contact.fullName, props: { title: contact.title } });
    edge('account_contact', accountRef, { kind: 'contact', id: contact.id });
  }
  const deals = new Set<string>();
  for (const deal of snapshot.deals) {
    deals.add(deal.id);
    entities.push({
      kind: 'deal',
      id: deal.id,
      label: deal.name,
      props: {
        stage: deal.stage,
        amount: deal.amount,
        closingDate: day(deal.closingDate),
        stageEnteredAt: deal.stageEnteredAt?.toISOString() ?? null,
      },
    });
    edge('account_deal', accountRef, { kind: 'deal', id: deal.id });
  }
  const linkOf = new Map(links.activities.map((l) => [l.activityId, l]));
  const dealContacts = new Set<string>();
  const dealContact = (dealId: string | null, contactId: string | null) => {
    if (!dealId || !contactId || !deals.has(dealId) || !contacts.has(contactId)) return;
    if (dealContacts.has(`${dealId}:${contactId}`)) return;
    dealContacts.add(`${dealId}:${contactId}`);
    edge('deal_contact', { kind: 'deal', id: dealId }, { kind: 'contact', id: contactId });
  };
  for (const link of links.dealContacts) dealContact(link.dealId, link.contactId);
  for (const activity of snapshot.activities) {
    const ref: EntityRef = { kind: 'activity', id: activity.id };
    entities.push({
      ...ref,
      label: activity.subject,
      props: {
        kind: activity.kind,
        module: activity.module,
        occurredAt: activity.occurredAt.toISOString(),
        status: activity.status,
        isOpen: activity.isOpen,
        dueDate: day(activity.dueDate),
      },
    });
    edge('activity_account', ref, accountRef);
    const link = linkOf.get(activity.id);
    if (link?.dealId && deals.has(link.dealId)) edge('activity_deal', ref, { kind: 'deal', id: link.dealId });
    if (link?.contactId && contacts.has(link.contactId)) {
      edge('activity_contact', ref, { kind: 'contact', id: link.contactId });
    }
    // A call about a deal with a contact shows that contact works on the deal.
    dealContact(link?.dealId ?? null, link?.contactId ?? null);
  }
  return { entities, edges };
}

/**
 * Builds or refreshes one account's subgraph from the CRM copy.
 * 1. read the account's snapshot and the links the snapshot does not carry
 * 2. upsert its entities and edges (unchanged ones cost no write)
 * 3. prune the account's CRM edges it no longer has (a contact moved, a record was deleted)
 * Rebuilding an unchanged account writes nothing.
 */
export async function buildAccountGraph(
  deps: BuildAccountGraphDeps,
  input: { accountId: string; snapshot?: Omit<AccountSnapshot, 'baseline'> },
): Promise<AccountGraphBuild> {
  const snapshot = input.snapshot ?? (await deps.copy.loadSnapshot(input.accountId));
  if (!snapshot) throw new NotFoundError('Account', input.accountId);
  const { entities, edges } = accountGraphOf(snapshot, await deps.crmLinks.linksOf(input.accountId));
  const at = deps.clock.now();
  const entityCounts = await deps.graph.upsertEntities(entities, at);
  const edgeCounts = await deps.graph.upsertEdges(edges, at);
  const prunedEdges = await deps.graph.pruneEdges(input.accountId, CRM_EDGE_TYPES, edges);
  return {
    entities: entityCounts,
    edges: edgeCounts,
    prunedEdges,
    written: entityCounts.inserted + entityCounts.updated + edgeCounts.inserted + edgeCounts.updated + prunedEdges,
  };
}
