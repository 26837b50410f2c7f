-- The transactional outbox of the component that owns this schema. A component writes a row in
-- the same transaction as its state change; the OutboxRelay publishes rows to Kafka in id order.
CREATE TABLE outbox (
  id           BIGSERIAL PRIMARY KEY,
  event_id     UUID        NOT NULL UNIQUE,
  topic        TEXT        NOT NULL,
  record_key   TEXT        NOT NULL,
  payload      JSONB       NOT NULL,
  created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
  published_at TIMESTAMPTZ
);

CREATE INDEX outbox_unpublished ON outbox (id) WHERE published_at IS NULL;
CREATE INDEX outbox_published_at ON outbox (published_at) WHERE published_at IS NOT NULL;
