-- A seller's or admin's cap on how long a reservation of a product is held (a big sale: 5 minutes),
-- so that stock of unpaid checkouts comes back quickly. No row: the caller's TTL applies.
CREATE TABLE reservation_ttl (
  product_id  UUID    PRIMARY KEY,
  ttl_seconds INTEGER NOT NULL CHECK (ttl_seconds BETWEEN 60 AND 86400),
  updated_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);
