-- writes already applied, by the SHA-256 of their request id (x-request-id): the gateway sends a
-- write again to another node when an attempt gets no answer, and the repeat changes nothing.
-- created: whether that write created the cart (its repeat answers the same). Purged after a day.
CREATE TABLE applied_requests (
  request_hash text PRIMARY KEY,
  cart_id      uuid NOT NULL REFERENCES carts (id) ON DELETE CASCADE,
  created      boolean NOT NULL,
  applied_at   timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX applied_requests_applied_at ON applied_requests (applied_at);
CREATE INDEX applied_requests_cart ON applied_requests (cart_id);
