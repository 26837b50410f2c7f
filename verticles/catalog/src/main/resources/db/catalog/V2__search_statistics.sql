-- Brands belong to few categories: without this, the planner multiplies the two selectivities,
-- expects matches for "Tefal in Fitness" and walks a sort index through a million rows to find none.
CREATE STATISTICS products_brand_category (mcv, dependencies) ON brand, category_id FROM products;
ALTER STATISTICS products_brand_category SET STATISTICS 1000;
