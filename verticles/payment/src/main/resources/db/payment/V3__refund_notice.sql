-- The order must learn that its money is back (orders.transition CANCELLED -> REFUNDED). The intent
-- to tell it is kept here, set in the transaction that records the refund and cleared only once
-- orders has answered, so a lost request is retried by the payment jobs until it is done.
ALTER TABLE intents ADD COLUMN refund_notice_due BOOLEAN NOT NULL DEFAULT false;
ALTER TABLE intents ADD COLUMN refund_notice_at TIMESTAMPTZ;
UPDATE intents SET refund_notice_due = true WHERE status = 'REFUNDED';
CREATE INDEX intents_refund_notice_due ON intents (refund_notice_at NULLS FIRST) WHERE refund_notice_due;
