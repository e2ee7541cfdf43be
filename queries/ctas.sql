-- Writes on the sample lake: a partitioned Parquet copy of the customers CSV, a day
-- appended to it, a JSON export with UNLOAD. Run after queries/setup.sql:
--   lakesql -f queries/setup.sql -f queries/ctas.sql
-- The copy goes to <warehouse>/sample/customers_by_country/ ($LAKESQL_WAREHOUSE, or
-- `warehouse` in lakesql's data folder); DROP TABLE keeps the files.

USE sample;

CREATE TABLE IF NOT EXISTS customers_by_country
WITH (format = 'PARQUET', write_compression = 'ZSTD', partitioned_by = ARRAY['country'])
AS SELECT customer_id, name, email, signup_date, vip, country
FROM customers;

SHOW PARTITIONS customers_by_country;

-- Only the DE partition is read.
SELECT count(*) AS customers, count_if(vip) AS vips
FROM customers_by_country WHERE country = 'DE';
