-- Big sales and their waiting room. Admission state lives here so every node sees the same queue.
--
-- How admission stays cheap: a ticket's number comes from the sale's own sequence (nextval takes no
-- row lock), and the buyers admitted are simply "every ticket numbered <= horizon". The horizon
-- grows at admit_per_second: a ticker on each sales node adds rate x elapsed time in one UPDATE of
-- the sale row about ten times a second (the row lock serialises the tickers, so the sum over nodes
-- is still rate x time), capped at the last ticket issued + a small burst so that an empty queue
-- does not bank admissions. A checkout's admission check is then a comparison with the horizon the
-- node read last: no per-request statement, no per-request lock.
CREATE TABLE sale (
  id               UUID        PRIMARY KEY,
  product_ids      UUID[]      NOT NULL,
  starts_at        TIMESTAMPTZ NOT NULL,
  ends_at          TIMESTAMPTZ,
  admit_per_second INTEGER     NOT NULL CHECK (admit_per_second > 0),
  ticket_seq       TEXT        NOT NULL,
  horizon          DOUBLE PRECISION NOT NULL DEFAULT 0,
  horizon_at       TIMESTAMPTZ,
  created_by       TEXT,
  created_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
  CHECK (ends_at IS NULL OR ends_at > starts_at)
);
CREATE INDEX sale_running ON sale (starts_at, ends_at);

-- One ticket per buyer and sale; first come, first served by number.
CREATE TABLE ticket (
  sale_id     UUID        NOT NULL REFERENCES sale (id),
  number      BIGINT      NOT NULL,
  buyer_id    TEXT        NOT NULL,
  issued_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
  expires_at  TIMESTAMPTZ NOT NULL,
  admitted_at TIMESTAMPTZ,
  PRIMARY KEY (sale_id, number),
  UNIQUE (sale_id, buyer_id)
);

-- Refusals by reason, counted by sales itself and reported by checkout nodes.
CREATE TABLE refusal (
  sale_id UUID   NOT NULL REFERENCES sale (id),
  reason  TEXT   NOT NULL,
  n       BIGINT NOT NULL,
  PRIMARY KEY (sale_id, reason)
);

-- The key tickets are signed with, made once by the first node: every node verifies every ticket.
CREATE TABLE ticket_key (
  id  INTEGER PRIMARY KEY CHECK (id = 1),
  key BYTEA   NOT NULL
);
