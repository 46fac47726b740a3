-- When each module's deletion log was last read. The hourly incremental sync reads it only every few hours
-- (deletions also arrive in real time through notifications), so an idle run costs one call per module.
ALTER TABLE sync_state ADD COLUMN deletions_checked_at timestamptz;
