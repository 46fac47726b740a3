-- Approval escalation (DOMAIN-RULES "Approval": 72 h → the owner's manager for 24 h → expire). The
-- Escalate state swaps in its own task token and records when, and to whom, the approval went up.
ALTER TABLE approvals ADD COLUMN escalated_at timestamptz;
ALTER TABLE approvals ADD COLUMN escalated_to varchar(50);

-- A failed run keeps the error's name (error_message) and its masked cause apart; each run status the run
-- passed through is kept with its start and end ([{state, started_at, ended_at}], oldest first).
ALTER TABLE agent_sessions ADD COLUMN error_cause text;
ALTER TABLE agent_sessions ADD COLUMN state_timings jsonb NOT NULL DEFAULT '[]'::jsonb;

-- The local runner times out `.waitForTaskToken` states itself (TimeoutSeconds from the ASL), from this
-- deadline, so that a wait parked by one process is timed out by whichever process sweeps next.
ALTER TABLE workflow_task_tokens ADD COLUMN timeout_at timestamptz;
CREATE INDEX idx_workflow_task_tokens_timeout ON workflow_task_tokens(timeout_at) WHERE status = 'WAITING';
