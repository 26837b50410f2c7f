-- The checkout saga log. One row per checkout (id = the order id) holds where the saga is;
-- saga_log keeps every step taken. A step is written here before the next one starts, so any node
-- can pick up a saga whose driver died: the lease (lease_owner, lease_until) says who drives it now.
CREATE TABLE sagas (
  id              UUID        PRIMARY KEY,
  user_id         TEXT        NOT NULL,
  idempotency_key TEXT        NOT NULL,
  request_hash    TEXT        NOT NULL,
  cart_id         UUID        NOT NULL,
  payment_method  TEXT        NOT NULL,
  reservation_id  UUID        NOT NULL,
  payment_id      UUID        NOT NULL,
  state           TEXT        NOT NULL,
  cart            JSONB,
  reserved_until  TIMESTAMPTZ,
  payment_url     TEXT,
  payment_result  TEXT,
  failed_at       TEXT,
  cancel_reason   TEXT,
  outcome         JSONB,
  lease_owner     TEXT,
  lease_until     TIMESTAMPTZ,
  attempts        INT         NOT NULL DEFAULT 0,
  next_attempt_at TIMESTAMPTZ NOT NULL DEFAULT now(),
  created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
  updated_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
  CONSTRAINT sagas_idempotency UNIQUE (user_id, idempotency_key)
);

CREATE INDEX sagas_unfinished ON sagas (next_attempt_at) WHERE state NOT IN ('PAID', 'CANCELLED');

CREATE TABLE saga_log (
  id      BIGSERIAL   PRIMARY KEY,
  saga_id UUID        NOT NULL REFERENCES sagas (id),
  state   TEXT        NOT NULL,
  detail  JSONB,
  node    TEXT,
  at      TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE INDEX saga_log_saga ON saga_log (saga_id, id);
