-- A cart belongs either to a user (one per user) or to a guest who holds its secret id; only the
-- SHA-256 of a guest's id is stored, so the table never holds a working guest credential.
CREATE TABLE carts (
  id               uuid PRIMARY KEY,
  user_id          text UNIQUE,
  guest_token_hash text UNIQUE,
  currency         char(3) NOT NULL,
  created_at       timestamptz NOT NULL DEFAULT now(),
  last_active_at   timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT carts_one_owner CHECK ((user_id IS NULL) <> (guest_token_hash IS NULL))
);

-- the expiry job's scan: abandoned guest carts, oldest first
CREATE INDEX carts_guest_last_active ON carts (last_active_at) WHERE user_id IS NULL;

-- seen_* is the unit price the buyer last saw for the line (see CartAddresses: when a price counts as seen)
CREATE TABLE cart_lines (
  cart_id       uuid NOT NULL REFERENCES carts (id) ON DELETE CASCADE,
  product_id    uuid NOT NULL,
  quantity      integer NOT NULL CHECK (quantity > 0),
  title         text NOT NULL,
  seen_amount   bigint NOT NULL,
  seen_currency char(3) NOT NULL,
  seen_at       timestamptz NOT NULL DEFAULT now(),
  added_at      timestamptz NOT NULL DEFAULT clock_timestamp(),
  PRIMARY KEY (cart_id, product_id)
);

-- guest carts already merged, so a retried merge by the same user answers the same way
CREATE TABLE merged_guest_carts (
  guest_token_hash text PRIMARY KEY,
  user_id          text NOT NULL,
  merged_at        timestamptz NOT NULL DEFAULT now()
);

-- orders a cart was cleared for: cart.clear is idempotent by order id
CREATE TABLE cleared_orders (
  order_id   uuid PRIMARY KEY,
  cart_id    uuid NOT NULL,
  cleared_at timestamptz NOT NULL DEFAULT now()
);
