-- The durable copy of the CRM. No foreign keys between CRM tables: the sync writes module by module and
-- Zoho itself allows orphans (an activity whose account was deleted), so integrity is the sync's job.

CREATE TABLE owners (
  id          varchar(50) PRIMARY KEY,
  name        varchar(255) NOT NULL,
  email       varchar(320),
  role        varchar(100),
  manager_id  varchar(50),
  time_zone   varchar(64) NOT NULL DEFAULT 'UTC',
  raw         jsonb NOT NULL,
  sync_hash   varchar(64) NOT NULL,
  synced_at   timestamptz NOT NULL
);

CREATE TABLE accounts (
  id             varchar(50) PRIMARY KEY,
  name           varchar(255) NOT NULL,
  status         varchar(50),
  owner_id       varchar(50),
  owner_name     varchar(255),
  account_type   varchar(100),
  industry       varchar(100),
  annual_revenue double precision,
  employees      integer,
  renewal_date   date,
  created_at     timestamptz,
  updated_at     timestamptz,
  raw            jsonb NOT NULL,
  sync_hash      varchar(64) NOT NULL,
  synced_at      timestamptz NOT NULL
);
CREATE INDEX idx_accounts_owner_id ON accounts(owner_id);
CREATE INDEX idx_accounts_status ON accounts(status);

CREATE TABLE contacts (
  id          varchar(50) PRIMARY KEY,
  account_id  varchar(50),
  full_name   varchar(255) NOT NULL,
  email       varchar(320),
  phone       varchar(50),
  title       varchar(255),
  modified_at timestamptz,
  raw         jsonb NOT NULL,
  sync_hash   varchar(64) NOT NULL,
  synced_at   timestamptz NOT NULL
);
CREATE INDEX idx_contacts_account_id ON contacts(account_id);

CREATE TABLE deals (
  id           varchar(50) PRIMARY KEY,
  account_id   varchar(50),
  name         varchar(255) NOT NULL,
  stage        varchar(100) NOT NULL,
  amount       double precision,
  closing_date date,
  owner_id     varchar(50),
  created_at   timestamptz,
  modified_at  timestamptz,
  raw          jsonb NOT NULL,
  sync_hash    varchar(64) NOT NULL,
  synced_at    timestamptz NOT NULL
);
CREATE INDEX idx_deals_account_id ON deals(account_id);

-- Stage-entry dates: from Zoho's Stage_History related list, and every stage change the sync observes itself.
CREATE TABLE deal_stage_history (
  deal_id    varchar(50) NOT NULL,
  stage      varchar(100) NOT NULL,
  entered_at timestamptz NOT NULL,
  source     varchar(20) NOT NULL CHECK (source IN ('zoho', 'observed')),
  PRIMARY KEY (deal_id, stage, entered_at)
);

-- Tasks, Calls and Events (meetings), attributed to an account through What_Id (directly, or via a deal or contact).
CREATE TABLE activities (
  id          varchar(50) PRIMARY KEY,
  account_id  varchar(50),
  type        varchar(50) NOT NULL CHECK (type IN ('task', 'call', 'event')),
  subject     varchar(500) NOT NULL,
  description text,
  status      varchar(50),
  due_date    date,
  occurred_at timestamptz NOT NULL,
  is_open     boolean NOT NULL DEFAULT false,
  created_by  varchar(50),
  what_module varchar(50),
  what_id     varchar(50),
  created_at  timestamptz,
  modified_at timestamptz,
  raw         jsonb NOT NULL,
  sync_hash   varchar(64) NOT NULL,
  synced_at   timestamptz NOT NULL
);
CREATE INDEX idx_activities_account_id ON activities(account_id);

CREATE TABLE notes (
  id            varchar(50) PRIMARY KEY,
  account_id    varchar(50),
  parent_module varchar(50),
  parent_id     varchar(50),
  title         varchar(500),
  content       text NOT NULL,
  owner_id      varchar(50),
  created_at    timestamptz NOT NULL,
  modified_at   timestamptz,
  raw           jsonb NOT NULL,
  sync_hash     varchar(64) NOT NULL,
  synced_at     timestamptz NOT NULL
);
CREATE INDEX idx_notes_account_id ON notes(account_id);

CREATE TABLE sync_state (
  module       varchar(50) PRIMARY KEY,
  last_full_at timestamptz,
  last_incremental_at timestamptz,
  cursor       varchar(100),
  record_count integer NOT NULL DEFAULT 0
);

CREATE TABLE sync_runs (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  kind        varchar(20) NOT NULL,
  status      varchar(20) NOT NULL,
  started_at  timestamptz NOT NULL,
  finished_at timestamptz,
  counts      jsonb NOT NULL DEFAULT '{}',
  api_calls   integer NOT NULL DEFAULT 0,
  error       text
);
