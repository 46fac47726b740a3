-- Defer (DOMAIN-RULES "Approval"): a pending approval a person snoozed for N days keeps its status, its
-- expiry moves N days later, and it remembers until when it was deferred.
ALTER TABLE approvals ADD COLUMN deferred_until timestamptz;
