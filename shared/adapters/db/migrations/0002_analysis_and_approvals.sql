-- People who use Sergas (not CRM users): the approval pages and the API check them.
CREATE TABLE users (
  id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  email      varchar(320) NOT NULL UNIQUE,
  name       varchar(255) NOT NULL,
  role       varchar(20) NOT NULL CHECK (role IN ('admin', 'manager', 'rep')),
  owner_id   varchar(50),
  created_at timestamptz NOT NULL DEFAULT now()
);

-- One row per analysis run (the seed's agent_sessions); id = the workflow execution name.
CREATE TABLE agent_sessions (
  id              uuid PRIMARY KEY,
  account_id      varchar(50) NOT NULL,
  orchestrator_id varchar(255),
  status          varchar(30) NOT NULL,
  as_of           timestamptz NOT NULL,
  requested_by    varchar(255),
  start_time      timestamptz NOT NULL DEFAULT now(),
  end_time        timestamptz,
  error_message   text,
  analysis        jsonb,
  metrics         jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX idx_agent_sessions_account_id ON agent_sessions(account_id);

-- The baseline of the account's last completed review, kept with no expiry.
CREATE TABLE account_baselines (
  account_id  varchar(50) PRIMARY KEY,
  fields      jsonb NOT NULL,
  reviewed_at timestamptz NOT NULL,
  run_id      uuid
);

CREATE TABLE recommendations (
  id           uuid PRIMARY KEY,
  account_id   varchar(50) NOT NULL,
  run_id       uuid NOT NULL REFERENCES agent_sessions(id),
  type         varchar(50) NOT NULL,
  priority     varchar(20) NOT NULL,
  confidence   double precision NOT NULL,
  action       text NOT NULL,
  rationale    text NOT NULL,
  evidence     jsonb NOT NULL,
  draft        jsonb,
  author       varchar(20) NOT NULL,
  compliance   jsonb,
  status       varchar(20) NOT NULL DEFAULT 'pending',
  approved_by  varchar(320),
  approved_at  timestamptz,
  expires_at   timestamptz NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX idx_recommendations_account_id ON recommendations(account_id);
CREATE INDEX idx_recommendations_status ON recommendations(status);

-- The raw task token stays here; links carry only the approval id.
CREATE TABLE approvals (
  id                varchar(64) PRIMARY KEY,
  recommendation_id uuid NOT NULL UNIQUE REFERENCES recommendations(id),
  run_id            uuid NOT NULL,
  task_token        text NOT NULL,
  status            varchar(20) NOT NULL DEFAULT 'pending',
  payload           jsonb NOT NULL,
  payload_hash      varchar(64) NOT NULL,
  decided_by        varchar(320),
  decided_at        timestamptz,
  channel           varchar(20),
  reason            text,
  created_at        timestamptz NOT NULL DEFAULT now(),
  expires_at        timestamptz NOT NULL
);
CREATE INDEX idx_approvals_status ON approvals(status);

-- Every CRM write, keyed by its idempotency key (recommendation id + action), so a retry never writes twice.
CREATE TABLE crm_writes (
  idempotency_key   varchar(200) PRIMARY KEY,
  recommendation_id uuid NOT NULL,
  approval_id       varchar(64),
  module            varchar(50) NOT NULL,
  payload_hash      varchar(64) NOT NULL,
  status            varchar(20) NOT NULL,
  crm_id            varchar(50),
  started_at        timestamptz NOT NULL,
  completed_at      timestamptz
);

CREATE TABLE audit_logs (
  id            bigserial PRIMARY KEY,
  user_id       varchar(320),
  agent_id      varchar(50),
  action        varchar(100) NOT NULL,
  resource_type varchar(50),
  resource_id   varchar(100),
  details       jsonb NOT NULL DEFAULT '{}',
  ip_address    inet,
  created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX idx_audit_logs_created_at ON audit_logs(created_at);
CREATE INDEX idx_audit_logs_resource ON audit_logs(resource_type, resource_id);
