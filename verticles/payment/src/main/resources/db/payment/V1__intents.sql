-- One payment intent per order. A void of an order without a payment inserts a tombstone
-- (status VOIDED, amount 0) so a late payment.start for that order is refused.
CREATE TABLE intents (
  payment_id      UUID        PRIMARY KEY,
  order_id        UUID        NOT NULL UNIQUE,
  buyer_id        TEXT,
  amount          BIGINT      NOT NULL CHECK (amount >= 0),
  currency        TEXT        NOT NULL,
  method          TEXT,
  status          TEXT        NOT NULL CHECK (status IN
                    ('CREATED', 'FAILED', 'PENDING', 'CAPTURED', 'DECLINED', 'VOIDED', 'REFUND_PENDING', 'REFUNDED')),
  bank_payment_id TEXT        UNIQUE,
  payment_url     TEXT,
  reserved_until  TIMESTAMPTZ,
  refund_reason   TEXT,
  captured_at     TIMESTAMPTZ,
  refunded_at     TIMESTAMPTZ,
  checked_at      TIMESTAMPTZ,
  created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
  updated_at      TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- the status poller and the refund retry look only at these
CREATE INDEX intents_pending ON intents (checked_at NULLS FIRST) WHERE status = 'PENDING';
CREATE INDEX intents_refund_pending ON intents (updated_at) WHERE status = 'REFUND_PENDING';
