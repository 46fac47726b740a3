import type { Db } from '../../ports/db.ts';
import type { CrmLinkReader, CrmLinks } from '../../ports/knowledge-graph.ts';

/**
 * The links the knowledge graph needs from the CRM copy's raw records: an activity's deal (What_Id of
 * module Deals, a note's Parent_Id) and contact (Who_Id, a note's Parent_Id), and a deal's Contact_Name.
 */
export class SqlCrmLinks implements CrmLinkReader {
  readonly #db: Db;

  constructor(db: Db) {
    this.#db = db;
  }

  async linksOf(accountId: string): Promise<CrmLinks> {
    const [activities, deals] = await Promise.all([
      this.#db.query<{ activity_id: string; deal_id: string | null; contact_id: string | null }>(
        `SELECT a.id AS activity_id,
                CASE WHEN a.what_module = 'Deals' THEN a.what_id END AS deal_id,
                COALESCE(a.raw -> 'Who_Id' ->> 'id', CASE WHEN a.what_module = 'Contacts' THEN a.what_id END) AS contact_id
         FROM activities a WHERE a.account_id = $1 AND a.deleted_at IS NULL
         UNION ALL
         SELECT n.id, CASE WHEN n.parent_module = 'Deals' THEN n.parent_id END,
                CASE WHEN n.parent_module = 'Contacts' THEN n.parent_id END
         FROM notes n WHERE n.account_id = $1 AND n.deleted_at IS NULL
         ORDER BY 1`,
        [accountId],
      ),
      this.#db.query<{ deal_id: string; contact_id: string }>(
        `SELECT d.id AS deal_id, d.raw -> 'Contact_Name' ->> 'id' AS contact_id FROM deals d
         WHERE d.account_id = $1 AND d.deleted_at IS NULL AND d.raw -> 'Contact_Name' ->> 'id' IS NOT NULL
         ORDER BY d.id`,
        [accountId],
      ),
    ]);
    return {
      activities: activities.map((r) => ({ activityId: r.activity_id, dealId: r.deal_id, contactId: r.contact_id })),
      dealContacts: deals.map((r) => ({ dealId: r.deal_id, contactId: r.contact_id })),
    };
  }
}
