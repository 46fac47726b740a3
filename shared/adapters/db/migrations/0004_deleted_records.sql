-- Records deleted in Zoho are soft-deleted in the copy: the row (and the history that cites it) stays,
-- and every reader filters on `deleted_at IS NULL`. A record that comes back (restored from Zoho's recycle
-- bin) has it cleared by the next upsert.
ALTER TABLE accounts ADD COLUMN deleted_at timestamptz;
ALTER TABLE contacts ADD COLUMN deleted_at timestamptz;
ALTER TABLE deals ADD COLUMN deleted_at timestamptz;
ALTER TABLE activities ADD COLUMN deleted_at timestamptz;
ALTER TABLE notes ADD COLUMN deleted_at timestamptz;

-- `cursor` (0001) holds the module's latest Modified_Time seen; this holds the latest deleted_time seen in
-- Zoho's deletion log. Both are Zoho's clock, never ours, and both are ISO 8601 in UTC.
ALTER TABLE sync_state ADD COLUMN deleted_cursor varchar(100);
