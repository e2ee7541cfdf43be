-- Analyses over the sample lake. Run: lakesql -f queries/analyses.sql
-- (the shell registers the sample tables on first start; or run queries/setup.sql first).
USE sample;

-- Monthly revenue in 2024, with the running total.
SELECT month,
       sum(quantity * unit_price * (1 - coalesce(discount, 0))) AS revenue,
       sum(sum(quantity * unit_price * (1 - coalesce(discount, 0)))) OVER (ORDER BY month) AS running
FROM sales
WHERE year = 2024
GROUP BY month
ORDER BY month;

-- Best-selling product per category.
SELECT category, product, units
FROM (
  SELECT category, product, sum(quantity) AS units,
         rank() OVER (PARTITION BY category ORDER BY sum(quantity) DESC) AS r
  FROM sales
  GROUP BY category, product
)
WHERE r = 1
ORDER BY category;

-- Orders by the customer's country against the shipping country.
SELECT c.country AS customer_country, s.shipping.country AS ship_to, count(*) AS orders
FROM sales s
JOIN customers c ON c.customer_id = s.customer_id
GROUP BY 1, 2
ORDER BY orders DESC
LIMIT 10;

-- VIP customers' share of revenue.
SELECT c.vip, round(sum(s.quantity * s.unit_price), 2) AS revenue, count(DISTINCT c.customer_id) AS customers
FROM sales s JOIN customers c ON c.customer_id = s.customer_id
GROUP BY c.vip
ORDER BY c.vip;

-- How often each tag appears on 2023 orders.
SELECT tag, count(*) AS orders
FROM (SELECT unnest(tags) AS tag FROM sales WHERE year = 2023)
GROUP BY tag
ORDER BY orders DESC;

-- Funnel by device OS (JSON with a struct column).
SELECT device.os AS os,
       count(*) FILTER (WHERE event_type = 'page_view')   AS views,
       count(*) FILTER (WHERE event_type = 'add_to_cart') AS carts,
       count(*) FILTER (WHERE event_type = 'checkout')    AS checkouts
FROM events
GROUP BY 1
ORDER BY views DESC NULLS LAST;

-- Error rate and p95 latency per service and day (logs read from a non-Hive layout).
SELECT service, CAST(ts AS date) AS day,
       round(avg(CASE WHEN level = 'ERROR' THEN 1.0 ELSE 0.0 END), 3) AS error_rate,
       round(approx_percentile_cont(latency_ms, 0.95), 1) AS p95_ms
FROM logs
GROUP BY 1, 2
ORDER BY 1, 2
LIMIT 10;
