-- A void the bank has not confirmed yet is due work, not a fire-and-forget call: a payment whose
-- bank void is lost stays payable at the bank, and a buyer who pays it then (with the callback
-- lost too) would leave money captured that nobody refunds. The void is retried, with a backoff,
-- until the bank says VOIDED / DECLINED / unknown, or CAPTURED (then the capture is recorded and refunded).
ALTER TABLE intents ADD COLUMN bank_void_due BOOLEAN NOT NULL DEFAULT false;
ALTER TABLE intents ADD COLUMN bank_void_at TIMESTAMPTZ;
ALTER TABLE intents ADD COLUMN bank_void_attempts INT NOT NULL DEFAULT 0;
CREATE INDEX intents_bank_void_due ON intents (bank_void_at) WHERE bank_void_due;
