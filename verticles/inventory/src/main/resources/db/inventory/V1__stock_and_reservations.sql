-- On-hand quantity per product and warehouse, as sellers set it.
CREATE TABLE warehouse_stock (
  product_id UUID    NOT NULL,
  warehouse  TEXT    NOT NULL,
  quantity   INTEGER NOT NULL CHECK (quantity >= 0),
  updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
  PRIMARY KEY (product_id, warehouse)
);

-- A product's total on-hand stock split into buckets, so that concurrent reservations of one hot
-- product lock different rows. Per bucket, and so per product: held + sold <= on_hand.
CREATE TABLE stock_bucket (
  product_id UUID    NOT NULL,
  bucket     INTEGER NOT NULL,
  on_hand    INTEGER NOT NULL DEFAULT 0,
  held       INTEGER NOT NULL DEFAULT 0,
  sold       INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (product_id, bucket),
  CONSTRAINT stock_bucket_never_oversold CHECK (on_hand >= 0 AND held >= 0 AND sold >= 0 AND held + sold <= on_hand)
);

-- A seller's per-buyer limit ("1 per buyer" in a flash sale).
CREATE TABLE purchase_limit (
  product_id UUID PRIMARY KEY,
  per_buyer  INTEGER NOT NULL CHECK (per_buyer > 0)
);

-- Units of a limited product a buyer holds or bought; the row is also the lock that serialises one
-- buyer's concurrent reservations of that product.
CREATE TABLE buyer_usage (
  buyer_id   UUID    NOT NULL,
  product_id UUID    NOT NULL,
  units      INTEGER NOT NULL CHECK (units >= 0),
  PRIMARY KEY (buyer_id, product_id)
);

-- HELD -> COMMITTED | RELEASED | EXPIRED; COMMITTED -> RETURNED (its order was cancelled).
-- A release of an unknown id leaves a RELEASED tombstone without lines.
CREATE TABLE reservation (
  id             UUID PRIMARY KEY,
  order_id       UUID,
  buyer_id       UUID,
  status         TEXT NOT NULL CHECK (status IN ('HELD', 'COMMITTED', 'RELEASED', 'EXPIRED', 'RETURNED')),
  reserved_until TIMESTAMPTZ,
  reason         TEXT,
  created_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
  updated_at     TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX reservation_held_until ON reservation (reserved_until) WHERE status = 'HELD';
CREATE INDEX reservation_by_order ON reservation (order_id);

CREATE TABLE reservation_line (
  reservation_id UUID    NOT NULL REFERENCES reservation (id),
  product_id     UUID    NOT NULL,
  quantity       INTEGER NOT NULL CHECK (quantity > 0),
  -- counted in buyer_usage (the product had a per-buyer limit when reserved)
  counted        BOOLEAN NOT NULL,
  PRIMARY KEY (reservation_id, product_id)
);

-- Which buckets a line's units came from.
CREATE TABLE reservation_allocation (
  reservation_id UUID    NOT NULL REFERENCES reservation (id),
  product_id     UUID    NOT NULL,
  bucket         INTEGER NOT NULL,
  quantity       INTEGER NOT NULL CHECK (quantity > 0),
  PRIMARY KEY (reservation_id, product_id, bucket)
);
CREATE INDEX reservation_allocation_by_product ON reservation_allocation (product_id);

-- Orders whose OrderCancelled was seen: a late reserve for them holds nothing.
CREATE TABLE cancelled_order (
  order_id UUID PRIMARY KEY,
  at       TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- Kafka events already applied (consumers are idempotent by event id).
CREATE TABLE consumed_event (
  event_id UUID PRIMARY KEY,
  at       TIMESTAMPTZ NOT NULL DEFAULT now()
);
