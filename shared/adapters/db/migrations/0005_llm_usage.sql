-- Every LLM call the Recommendation Author makes, whatever its outcome (a rejected answer still costs):
-- the daily budget sums cost_usd since the start of the day, and runs and days are accounted from here.
CREATE TABLE llm_usage (
  id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  run_id             varchar(64) NOT NULL,
  account_id         varchar(50) NOT NULL,
  model              varchar(100) NOT NULL,
  input_tokens       integer NOT NULL DEFAULT 0 CHECK (input_tokens >= 0),
  output_tokens      integer NOT NULL DEFAULT 0 CHECK (output_tokens >= 0),
  cache_read_tokens  integer NOT NULL DEFAULT 0 CHECK (cache_read_tokens >= 0),
  cache_write_tokens integer NOT NULL DEFAULT 0 CHECK (cache_write_tokens >= 0),
  cost_usd           numeric(14, 6) NOT NULL DEFAULT 0 CHECK (cost_usd >= 0),
  outcome            varchar(30) NOT NULL,
  created_at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX idx_llm_usage_created_at ON llm_usage(created_at);
CREATE INDEX idx_llm_usage_run_id ON llm_usage(run_id);
