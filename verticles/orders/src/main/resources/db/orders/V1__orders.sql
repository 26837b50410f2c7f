-- Orders as they were at checkout: lines, prices and totals in minor units of one currency.
CREATE TABLE orders (
  id         UUID PRIMARY KEY,
  buyer_id   UUID   NOT NULL,
  status     TEXT   NOT NULL,
  currency   TEXT   NOT NULL,
  total      BIGINT NOT NULL CHECK (total >= 0),
  created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
  updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX orders_by_buyer ON orders (buyer_id, created_at DESC, id DESC);

-- One shipment per seller of an order; sellers see theirs once the order is paid (ready_at).
CREATE TABLE shipment (
  id           UUID PRIMARY KEY,
  order_id     UUID   NOT NULL REFERENCES orders (id),
  seller_id    UUID   NOT NULL,
  status       TEXT   NOT NULL,
  total        BIGINT NOT NULL,
  ready_at     TIMESTAMPTZ,
  shipped_at   TIMESTAMPTZ,
  delivered_at TIMESTAMPTZ,
  UNIQUE (order_id, seller_id)
);
CREATE INDEX shipment_by_seller ON shipment (seller_id, ready_at DESC, id DESC) WHERE ready_at IS NOT NULL;

CREATE TABLE order_line (
  order_id    UUID    NOT NULL REFERENCES orders (id),
  line_no     INTEGER NOT NULL,
  product_id  UUID    NOT NULL,
  seller_id   UUID    NOT NULL,
  shipment_id UUID    NOT NULL REFERENCES shipment (id),
  title       TEXT    NOT NULL,
  quantity    INTEGER NOT NULL CHECK (quantity > 0),
  unit_price  BIGINT  NOT NULL CHECK (unit_price >= 0),
  line_total  BIGINT  NOT NULL,
  PRIMARY KEY (order_id, line_no)
);
CREATE INDEX order_line_by_shipment ON order_line (shipment_id);

-- Every transition with its time and reason.
CREATE TABLE order_history (
  id       BIGSERIAL PRIMARY KEY,
  order_id UUID NOT NULL REFERENCES orders (id),
  status   TEXT NOT NULL,
  reason   TEXT NOT NULL,
  at       TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX order_history_by_order ON order_history (order_id, id);
