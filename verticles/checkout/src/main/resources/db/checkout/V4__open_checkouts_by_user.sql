-- Big sales: counting a buyer's unpaid checkouts (checkout.max_open_per_buyer) is an index lookup.
CREATE INDEX sagas_open_by_user ON sagas (user_id)
  WHERE state IN ('STARTED', 'CART_LOADED', 'ORDER_CREATED', 'RESERVED', 'PAYMENT_STARTING', 'AWAITING_PAYMENT');
