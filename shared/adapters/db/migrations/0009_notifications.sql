-- Every message Sergas sent or would have sent (approval links, reminders, escalations, owner briefs).
-- Locally it is the only channel (`sergas outbox list` reads it); on AWS it records what went out by
-- e-mail and Slack. It holds what the recipient already sees: account names, actions, links, expiries.
CREATE TABLE outbox (
  id              uuid PRIMARY KEY,
  kind            varchar(40) NOT NULL,
  recipient_id    varchar(50) NOT NULL,
  recipient_name  varchar(255) NOT NULL,
  recipient_email varchar(320),
  subject         varchar(500) NOT NULL,
  text            text NOT NULL,
  links           jsonb NOT NULL DEFAULT '[]'::jsonb,
  approval_id     varchar(64),
  run_id          varchar(64),
  account_id      varchar(50),
  created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX idx_outbox_created ON outbox(created_at DESC);
CREATE INDEX idx_outbox_approval ON outbox(approval_id) WHERE approval_id IS NOT NULL;
CREATE INDEX idx_outbox_recipient ON outbox(recipient_id, created_at DESC);

-- The 24-hour reminder goes out once per approval: claimed by setting this before sending.
ALTER TABLE approvals ADD COLUMN reminded_at timestamptz;
CREATE INDEX idx_approvals_unreminded ON approvals(created_at) WHERE status = 'pending' AND reminded_at IS NULL;

-- One brief per owner per local day, claimed before sending.
CREATE TABLE owner_brief_deliveries (
  owner_id   varchar(50) NOT NULL,
  brief_date date NOT NULL,
  sent_at    timestamptz NOT NULL,
  PRIMARY KEY (owner_id, brief_date)
);
