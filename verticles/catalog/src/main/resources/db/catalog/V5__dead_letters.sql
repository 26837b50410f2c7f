-- Kafka records catalog's consume loop could not apply after its attempts (platform
-- ConsumeLoop / DeadLetters). They wait here for an admin to look and replay; nothing is dropped.
CREATE TABLE dead_letters (
  id            BIGSERIAL   PRIMARY KEY,
  consumer      TEXT        NOT NULL,
  topic         TEXT        NOT NULL,
  partition     INT         NOT NULL,
  record_offset BIGINT      NOT NULL,
  record_key    TEXT,
  payload       TEXT,
  event_id      UUID,
  event_type    TEXT,
  attempts      INT         NOT NULL,
  last_error    TEXT        NOT NULL,
  status        TEXT        NOT NULL DEFAULT 'PARKED' CHECK (status IN ('PARKED', 'REPLAYED')),
  parked_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
  replayed_at   TIMESTAMPTZ,
  replay_error  TEXT,
  CONSTRAINT dead_letters_record UNIQUE (consumer, topic, partition, record_offset)
);
CREATE INDEX dead_letters_parked ON dead_letters (id) WHERE status = 'PARKED';
