-- The local Step Functions runner's durable state (ARCHITECTURE.md §2). On AWS, Step Functions keeps this itself.
CREATE TABLE workflow_executions (
  id               varchar(100) PRIMARY KEY,
  state_machine    varchar(100) NOT NULL,
  input            jsonb NOT NULL,
  status           varchar(20) NOT NULL CHECK (status IN ('RUNNING', 'WAITING', 'SUCCEEDED', 'FAILED')),
  output           jsonb,
  error            varchar(255),
  cause            text,
  started_at       timestamptz NOT NULL,
  stopped_at       timestamptz,
  lease_owner      varchar(100),
  lease_expires_at timestamptz
);
CREATE INDEX idx_workflow_executions_status ON workflow_executions(status);

-- Each completed task's output, keyed by (execution, state, hash of the task's input): replay returns it
-- instead of running the task again.
CREATE TABLE workflow_journal (
  execution_id varchar(100) NOT NULL,
  state_name   varchar(100) NOT NULL,
  input_hash   varchar(80) NOT NULL,
  attempts     integer NOT NULL DEFAULT 1,
  output       jsonb NOT NULL,
  started_at   timestamptz NOT NULL,
  completed_at timestamptz NOT NULL,
  PRIMARY KEY (execution_id, state_name, input_hash)
);

CREATE TABLE workflow_task_tokens (
  token        varchar(100) PRIMARY KEY,
  execution_id varchar(100) NOT NULL,
  state_name   varchar(100) NOT NULL,
  input_hash   varchar(64) NOT NULL,
  status       varchar(20) NOT NULL CHECK (status IN ('WAITING', 'SUCCEEDED', 'FAILED')),
  output       jsonb,
  error        varchar(255),
  cause        text,
  created_at   timestamptz NOT NULL,
  resolved_at  timestamptz,
  UNIQUE (execution_id, state_name, input_hash)
);

-- The state history shown by `sergas runs show`, like the Step Functions console.
CREATE TABLE workflow_events (
  id           bigserial PRIMARY KEY,
  execution_id varchar(100) NOT NULL,
  type         varchar(50) NOT NULL,
  state_name   varchar(100),
  at           timestamptz NOT NULL,
  detail       jsonb
);
CREATE INDEX idx_workflow_events_execution ON workflow_events(execution_id, id);
