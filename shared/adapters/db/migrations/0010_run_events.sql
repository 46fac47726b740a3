-- The AG-UI event log of analysis runs, served over SSE per run and as a firehose. `seq` is the SSE id:
-- one sequence for every run, and appends are serialised (an advisory lock), so seq order is commit order
-- and a reader resuming after seq n can never miss an event committed later with a smaller seq.
CREATE TABLE run_events (
  seq        bigserial PRIMARY KEY,
  run_id     varchar(64) NOT NULL,
  -- The account: AG-UI's thread.
  thread_id  varchar(50) NOT NULL,
  type       varchar(40) NOT NULL,
  event      jsonb NOT NULL,
  -- Set on events a replayed workflow step may append again (approval_required per approval).
  dedupe_key varchar(200) UNIQUE,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX idx_run_events_run_id ON run_events(run_id, seq);

-- Where each run's stream stands (started, the open step, ended), updated with its appends under a row
-- lock, so concurrent writers of one run agree on which STEP events are due.
CREATE TABLE run_event_streams (
  run_id    varchar(64) PRIMARY KEY,
  thread_id varchar(50) NOT NULL,
  started   boolean NOT NULL DEFAULT false,
  step      varchar(40),
  ended     boolean NOT NULL DEFAULT false
);
