-- Events taken from Kafka, stored before their offsets are committed. The primary key makes a
-- redelivered event (or a consumer restarted mid-batch) a no-op.
CREATE TABLE inbox (
  event_id        uuid PRIMARY KEY,
  seq             bigserial NOT NULL,
  topic           text NOT NULL,
  event_type      text NOT NULL,
  template        text NOT NULL,
  user_id         text NOT NULL,
  order_id        text NOT NULL,
  data            jsonb NOT NULL,
  occurred_at     timestamptz NOT NULL,
  received_at     timestamptz NOT NULL DEFAULT now(),
  status          text NOT NULL DEFAULT 'PENDING',   -- PENDING, DONE, NO_RECIPIENT
  attempts        int NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL DEFAULT now(),
  last_error      text
);
CREATE INDEX inbox_due ON inbox (next_attempt_at, seq) WHERE status = 'PENDING';

-- One row per event and channel: the history a user reads, the delivery queue the channel jobs
-- work through, and (email without SMTP configured) the local email outbox.
CREATE TABLE notifications (
  id              uuid PRIMARY KEY,
  seq             bigserial NOT NULL,
  event_id        uuid NOT NULL,
  event_type      text NOT NULL,
  template        text NOT NULL,
  user_id         text NOT NULL,
  order_id        text NOT NULL,
  channel         text NOT NULL,                     -- email, sms, push
  language        text NOT NULL,
  recipient       text NOT NULL,
  subject         text NOT NULL,
  body            text NOT NULL,
  status          text NOT NULL DEFAULT 'PENDING',   -- PENDING, SENT, PARKED
  attempts        int NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL DEFAULT now(),
  claim_token     uuid,
  last_error      text,
  delivered_via   text,
  created_at      timestamptz NOT NULL DEFAULT now(),
  sent_at         timestamptz,
  parked_at       timestamptz,
  CONSTRAINT notifications_event_channel UNIQUE (event_id, channel),
  -- the same fact reported twice (OrderRefunded and PaymentRefunded) still notifies once
  CONSTRAINT notifications_order_template_channel UNIQUE (order_id, template, channel)
);
CREATE INDEX notifications_user ON notifications (user_id, seq DESC);
CREATE INDEX notifications_due ON notifications (channel, next_attempt_at) WHERE status = 'PENDING';
CREATE INDEX notifications_parked ON notifications (parked_at DESC) WHERE status = 'PARKED';

CREATE TABLE preferences (
  user_id    text PRIMARY KEY,
  language   text NOT NULL,
  email      boolean NOT NULL,
  sms        boolean NOT NULL,
  push       boolean NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);
