-- The catalog: a category tree, brands, sellers' products with full-text and trigram search,
-- and catalog's own copy of stock availability (fed by inventory.events).

-- pg_trgm lives in public (extensions are per database; public is on every connection's
-- search_path), so the trigram operators resolve for the pool's connections too.
CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public;

-- The tree as a materialized path ('/1/', '/1/11/', '/1/11/111/'): "a category and all its
-- subcategories" is one prefix match over a table of a few hundred rows.
CREATE TABLE categories (
  id        INTEGER PRIMARY KEY,
  parent_id INTEGER REFERENCES categories (id),
  slug      TEXT    NOT NULL UNIQUE,
  name      TEXT    NOT NULL,
  name_en   TEXT    NOT NULL,
  path      TEXT    NOT NULL UNIQUE
);
CREATE INDEX categories_path ON categories (path text_pattern_ops);

CREATE TABLE brands (
  name       TEXT PRIMARY KEY,
  created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE products (
  id           UUID        PRIMARY KEY,
  seller_id    TEXT        NOT NULL,
  title        TEXT        NOT NULL,
  description  TEXT        NOT NULL DEFAULT '',
  brand        TEXT        NOT NULL REFERENCES brands (name),
  category_id  INTEGER     NOT NULL REFERENCES categories (id),
  price_amount BIGINT      NOT NULL CHECK (price_amount > 0),
  currency     CHAR(3)     NOT NULL,
  attributes   JSONB       NOT NULL DEFAULT '{}',
  rating       NUMERIC(2, 1) NOT NULL DEFAULT 0 CHECK (rating BETWEEN 0 AND 5),
  review_count INTEGER     NOT NULL DEFAULT 0,
  popularity   INTEGER     NOT NULL DEFAULT 0,
  -- catalog's copy of inventory's "available" (0 until inventory says otherwise)
  available    INTEGER     NOT NULL DEFAULT 0,
  created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
  updated_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
  deleted_at   TIMESTAMPTZ,
  -- The 'russian' configuration stems Cyrillic words with the Russian stemmer and ASCII words
  -- with the English one (and drops English stop words), so one vector serves both languages.
  -- Title weighs most, then brand, then description.
  search       TSVECTOR GENERATED ALWAYS AS (
    setweight(to_tsvector('russian', title), 'A') ||
    setweight(to_tsvector('russian', brand), 'B') ||
    setweight(to_tsvector('russian', left(description, 4000)), 'C')
  ) STORED
) WITH (fillfactor = 90);

-- Only live products are ever searched: partial indexes keep deleted ones out.
CREATE INDEX products_search ON products USING gin (search) WHERE deleted_at IS NULL;
CREATE INDEX products_category ON products (category_id) WHERE deleted_at IS NULL;
CREATE INDEX products_brand ON products (brand) WHERE deleted_at IS NULL;
CREATE INDEX products_price ON products (price_amount, id) WHERE deleted_at IS NULL;
CREATE INDEX products_popular ON products (popularity DESC, id DESC) WHERE deleted_at IS NULL;
CREATE INDEX products_new ON products (created_at DESC, id DESC) WHERE deleted_at IS NULL;
CREATE INDEX products_seller ON products (seller_id);

-- Typo tolerance: the distinct words of titles and brands, searched by trigram similarity when
-- full-text search finds nothing; the corrected words then go through full-text search again.
-- A vocabulary of thousands of words answers in well under a millisecond, where a trigram scan of
-- a million titles would not.
CREATE TABLE search_words (
  word TEXT PRIMARY KEY
);
CREATE INDEX search_words_trgm ON search_words USING gin (word public.gin_trgm_ops);

-- The latest stock state per product as inventory published it.
CREATE TABLE stock (
  product_id UUID        PRIMARY KEY,
  on_hand    INTEGER     NOT NULL,
  reserved   INTEGER     NOT NULL,
  sold       INTEGER     NOT NULL,
  available  INTEGER     NOT NULL,
  as_of      TIMESTAMPTZ NOT NULL
);

-- Events of inventory.events already applied (consumers are idempotent by event id).
CREATE TABLE processed_events (
  event_id     UUID        PRIMARY KEY,
  processed_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

INSERT INTO categories (id, parent_id, slug, name, name_en, path) VALUES
  (1,  NULL, 'electronics',        'Электроника',            'Electronics',          '/1/'),
  (11, 1,    'phones',             'Смартфоны и телефоны',   'Phones',               '/1/11/'),
  (111, 11,  'smartphones',        'Смартфоны',              'Smartphones',          '/1/11/111/'),
  (112, 11,  'phone-accessories',  'Аксессуары для телефонов', 'Phone accessories',  '/1/11/112/'),
  (12, 1,    'computers',          'Компьютеры',             'Computers',            '/1/12/'),
  (121, 12,  'laptops',            'Ноутбуки',               'Laptops',              '/1/12/121/'),
  (122, 12,  'monitors',           'Мониторы',               'Monitors',             '/1/12/122/'),
  (123, 12,  'keyboards',          'Клавиатуры и мыши',      'Keyboards and mice',   '/1/12/123/'),
  (13, 1,    'audio',              'Аудиотехника',           'Audio',                '/1/13/'),
  (131, 13,  'headphones',         'Наушники',               'Headphones',           '/1/13/131/'),
  (132, 13,  'speakers',           'Колонки',                'Speakers',             '/1/13/132/'),
  (2,  NULL, 'clothing',           'Одежда',                 'Clothing',             '/2/'),
  (21, 2,    'women',              'Женская одежда',         'Women',                '/2/21/'),
  (211, 21,  'dresses',            'Платья',                 'Dresses',              '/2/21/211/'),
  (212, 21,  'women-jackets',      'Женские куртки',         'Women''s jackets',     '/2/21/212/'),
  (22, 2,    'men',                'Мужская одежда',         'Men',                  '/2/22/'),
  (221, 22,  'shirts',             'Рубашки',                'Shirts',               '/2/22/221/'),
  (222, 22,  'men-jackets',        'Мужские куртки',         'Men''s jackets',       '/2/22/222/'),
  (23, 2,    'shoes',              'Обувь',                  'Shoes',                '/2/23/'),
  (231, 23,  'sneakers',           'Кроссовки',              'Sneakers',             '/2/23/231/'),
  (232, 23,  'boots',              'Ботинки',                'Boots',                '/2/23/232/'),
  (3,  NULL, 'home',               'Дом и кухня',            'Home and kitchen',     '/3/'),
  (31, 3,    'kitchen',            'Кухня',                  'Kitchen',              '/3/31/'),
  (311, 31,  'cookware',           'Посуда',                 'Cookware',             '/3/31/311/'),
  (312, 31,  'kitchen-appliances', 'Кухонная техника',       'Kitchen appliances',   '/3/31/312/'),
  (32, 3,    'furniture',          'Мебель',                 'Furniture',            '/3/32/'),
  (33, 3,    'textiles',           'Домашний текстиль',      'Home textiles',        '/3/33/'),
  (4,  NULL, 'beauty',             'Красота и здоровье',     'Beauty and health',    '/4/'),
  (41, 4,    'skincare',           'Уход за кожей',          'Skincare',             '/4/41/'),
  (42, 4,    'perfume',            'Парфюмерия',             'Perfume',              '/4/42/'),
  (5,  NULL, 'sports',             'Спорт и отдых',          'Sports and outdoors',  '/5/'),
  (51, 5,    'fitness',            'Фитнес',                 'Fitness',              '/5/51/'),
  (52, 5,    'bicycles',           'Велосипеды',             'Bicycles',             '/5/52/'),
  (53, 5,    'camping',            'Туризм',                 'Camping',              '/5/53/'),
  (6,  NULL, 'kids',               'Детские товары',         'Kids',                 '/6/'),
  (61, 6,    'toys',               'Игрушки',                'Toys',                 '/6/61/'),
  (62, 6,    'kids-clothing',      'Детская одежда',         'Kids'' clothing',      '/6/62/'),
  (7,  NULL, 'books',              'Книги',                  'Books',                '/7/'),
  (71, 7,    'fiction',            'Художественная литература', 'Fiction',           '/7/71/'),
  (72, 7,    'nonfiction',         'Научно-популярные книги', 'Non-fiction',         '/7/72/');
