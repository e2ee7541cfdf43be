-- Creates the `sample` database over the lake in sample-data/.
-- Run from the repository root: lakesql -f queries/setup.sql
-- (the interactive shell runs it by itself on first start).
-- The column types are the ones `CRAWL 'sample-data/' INTO db` infers (tests/crawl.rs
-- checks that the crawler recreates these tables).

CREATE DATABASE IF NOT EXISTS sample
  COMMENT 'The sample lake that ships with lakesql';

USE sample;

-- Hive-partitioned Parquet, with nested columns.
CREATE EXTERNAL TABLE IF NOT EXISTS sales (
  order_id    bigint         COMMENT 'order number',
  order_ts    timestamp      COMMENT 'when the order was placed (UTC)',
  customer_id int,
  product     string,
  category    string,
  quantity    int,
  unit_price  decimal(10,2),
  discount    double         COMMENT 'fraction off the list price; NULL when none',
  tags        array<string>,
  shipping    struct<city:string,country:string>
)
COMMENT 'Orders, partitioned by year and month'
PARTITIONED BY (year int, month int)
STORED AS PARQUET
LOCATION 'sample-data/sales/'
TBLPROPERTIES ('classification'='parquet');

-- Register the year=/month= folders that exist under the location.
MSCK REPAIR TABLE sales;

-- Gzip CSV with a header and quoted fields.
CREATE EXTERNAL TABLE IF NOT EXISTS customers (
  customer_id bigint,
  name        string,
  email       string,
  country     string,
  signup_date date,
  vip         boolean
)
ROW FORMAT SERDE 'org.apache.hadoop.hive.serde2.OpenCSVSerde'
WITH SERDEPROPERTIES ('separatorChar'=',', 'quoteChar'='"')
STORED AS TEXTFILE
LOCATION 'sample-data/customers/'
TBLPROPERTIES ('skip.header.line.count'='1', 'classification'='csv');

-- Tab-delimited text without a header.
CREATE EXTERNAL TABLE IF NOT EXISTS products (
  product    string,
  category   string,
  list_price double
)
ROW FORMAT DELIMITED FIELDS TERMINATED BY '\t'
STORED AS TEXTFILE
LOCATION 'sample-data/products/';

-- JSON lines with a struct and a map.
CREATE EXTERNAL TABLE IF NOT EXISTS events (
  event_id    string,
  customer_id bigint,
  event_type  string,
  ts          timestamp,
  device      struct<os:string,version:string>,
  properties  struct<campaign:string>,
  debug       boolean
)
ROW FORMAT SERDE 'org.openx.data.jsonserde.JsonSerDe'
LOCATION 'sample-data/events/'
TBLPROPERTIES ('classification'='json');

-- A non-Hive layout (logs/YYYY/MM/DD/): read whole here; the projection issue adds a
-- projected table over the same folders.
CREATE EXTERNAL TABLE IF NOT EXISTS logs (
  ts         timestamp,
  level      string,
  service    string,
  latency_ms bigint,
  message    string
)
ROW FORMAT SERDE 'org.openx.data.jsonserde.JsonSerDe'
LOCATION 'sample-data/logs/';

-- The same logs partitioned by day through partition projection: the dt values come from
-- the properties and the query's filters (never from the catalog), and only the folders
-- of matching days are listed.
CREATE EXTERNAL TABLE IF NOT EXISTS logs_by_day (
  ts         timestamp,
  level      string,
  service    string,
  latency_ms bigint,
  message    string
)
PARTITIONED BY (dt string)
ROW FORMAT SERDE 'org.openx.data.jsonserde.JsonSerDe'
LOCATION 'sample-data/logs/'
TBLPROPERTIES (
  'projection.enabled'='true',
  'projection.dt.type'='date',
  'projection.dt.format'='yyyy/MM/dd',
  'projection.dt.range'='2024/05/01,2024/05/31',
  'storage.location.template'='sample-data/logs/${dt}/'
);
