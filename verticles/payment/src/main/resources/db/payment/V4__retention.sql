-- Tombstones (a void that came before any start: VOIDED, no buyer, no bank payment) are purged after
-- retention.tombstones; this finds them without a scan.
CREATE INDEX intents_tombstones ON intents (updated_at) WHERE status = 'VOIDED' AND buyer_id IS NULL AND bank_payment_id IS NULL;
