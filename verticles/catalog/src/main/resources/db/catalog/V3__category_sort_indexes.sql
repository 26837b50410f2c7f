-- Browsing a category sorted by price, popularity or novelty reads each (sub)category's rows in
-- index order and merges them, however prices or popularity are spread over the catalog.
CREATE INDEX products_category_price ON products (category_id, price_amount, id) WHERE deleted_at IS NULL;
CREATE INDEX products_category_popular ON products (category_id, popularity, id) WHERE deleted_at IS NULL;
CREATE INDEX products_category_new ON products (category_id, created_at, id) WHERE deleted_at IS NULL;
