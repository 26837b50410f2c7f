-- A PENDING payment the bank said nothing about is asked about early and then with a backoff
-- (payment.poll_first_ms doubling up to poll_max_interval_ms): next_poll_at is when to ask next.
ALTER TABLE intents ADD COLUMN poll_count INT NOT NULL DEFAULT 0;
ALTER TABLE intents ADD COLUMN next_poll_at TIMESTAMPTZ;
CREATE INDEX intents_poll_due ON intents (next_poll_at NULLS FIRST) WHERE status = 'PENDING';
