-- The Memory Analyst's knowledge graph (shared/ports/knowledge-graph.ts): CRM records as entities, their
-- relations as typed edges, and what became of each recommendation. Rows are per tenant (one Zoho org).
-- No foreign keys, like the CRM copy: the graph is rebuilt from the copy, which allows orphans.

CREATE TABLE graph_entities (
  tenant_id     varchar(64) NOT NULL,
  kind          varchar(20) NOT NULL
                CHECK (kind IN ('account', 'contact', 'deal', 'owner', 'activity', 'recommendation')),
  id            varchar(64) NOT NULL,
  label         varchar(500) NOT NULL,
  props         jsonb NOT NULL DEFAULT '{}',
  -- Hash of label and props: a rebuild that finds the same hash writes nothing.
  props_hash    varchar(64) NOT NULL,
  first_seen_at timestamptz NOT NULL,
  updated_at    timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, kind, id)
);

-- An edge's type fixes the kinds of its ends (account_contact: account → contact, …).
CREATE TABLE graph_edges (
  tenant_id  varchar(64) NOT NULL,
  type       varchar(40) NOT NULL CHECK (type IN ('account_contact', 'account_deal', 'deal_contact', 'owner_account',
               'activity_account', 'activity_deal', 'activity_contact', 'recommendation_account')),
  from_kind  varchar(20) NOT NULL,
  from_id    varchar(64) NOT NULL,
  to_kind    varchar(20) NOT NULL,
  to_id      varchar(64) NOT NULL,
  -- The account whose subgraph this edge belongs to: its rebuild prunes the edges it no longer produces.
  account_id varchar(64) NOT NULL,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, type, from_id, to_id)
);
CREATE INDEX idx_graph_edges_from ON graph_edges(tenant_id, from_kind, from_id);
CREATE INDEX idx_graph_edges_to ON graph_edges(tenant_id, to_kind, to_id);
CREATE INDEX idx_graph_edges_account ON graph_edges(tenant_id, account_id);

-- Each recommendation's outcomes with their time (approved then executed is two rows). They feed the
-- historical acceptance part of confidence.
CREATE TABLE graph_outcomes (
  tenant_id           varchar(64) NOT NULL,
  recommendation_id   varchar(64) NOT NULL,
  outcome             varchar(20) NOT NULL CHECK (outcome IN ('approved', 'edited', 'rejected', 'executed', 'expired')),
  recommendation_type varchar(50) NOT NULL,
  account_id          varchar(64) NOT NULL,
  at                  timestamptz NOT NULL,
  decided_by          varchar(320),
  PRIMARY KEY (tenant_id, recommendation_id, outcome)
);
CREATE INDEX idx_graph_outcomes_type ON graph_outcomes(tenant_id, recommendation_type);
CREATE INDEX idx_graph_outcomes_account ON graph_outcomes(tenant_id, account_id);
