-- Search moved to a Lucene index inside each catalog instance (a read model of this table):
-- PostgreSQL's full-text search, its typo vocabulary and the indexes only search used go.
DROP STATISTICS IF EXISTS products_brand_category;
DROP INDEX IF EXISTS products_search;
DROP INDEX IF EXISTS products_category;
DROP INDEX IF EXISTS products_brand;
DROP INDEX IF EXISTS products_price;
DROP INDEX IF EXISTS products_popular;
DROP INDEX IF EXISTS products_new;
DROP INDEX IF EXISTS products_category_price;
DROP INDEX IF EXISTS products_category_popular;
DROP INDEX IF EXISTS products_category_new;
ALTER TABLE products DROP COLUMN IF EXISTS search;
DROP TABLE IF EXISTS search_words;

-- The change feed every index follows: each insert or update stamps the row with the id of the
-- transaction that wrote it (64-bit, never wraps). An index that has read every row stamped at or
-- after H, with H taken as the oldest transaction still running before it read, has seen every
-- committed change before H: it catches up by re-reading from there (see SearchIndexFeed).
ALTER TABLE products ADD COLUMN change_txid BIGINT NOT NULL DEFAULT 0;

CREATE FUNCTION stamp_product_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.change_txid := pg_current_xact_id()::text::bigint;
  RETURN NEW;
END
$$;

CREATE TRIGGER products_change_txid BEFORE INSERT OR UPDATE ON products
  FOR EACH ROW EXECUTE FUNCTION stamp_product_change();

CREATE INDEX products_change ON products (change_txid, id);

-- `marketplace.jar reindex` raises the generation; every catalog instance then builds a fresh
-- index from this table while it goes on serving from the one it has, and swaps when done.
-- database_id tells an index directory of this database from one left by another database.
CREATE TABLE search_index (
  id           INTEGER     PRIMARY KEY CHECK (id = 1),
  generation   BIGINT      NOT NULL,
  database_id  UUID        NOT NULL DEFAULT gen_random_uuid(),
  requested_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
INSERT INTO search_index (id, generation) VALUES (1, 1);
