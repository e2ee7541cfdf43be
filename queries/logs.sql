-- Partition projection over the non-Hive logs/YYYY/MM/DD/ layout.
-- Run: lakesql -f queries/logs.sql (after queries/setup.sql or the first shell start).
USE sample;

-- Errors and latency per service on two days: only those two folders are listed and read.
SELECT dt, service,
       count(*) FILTER (WHERE level = 'ERROR') AS errors,
       count(*) AS requests,
       max(latency_ms) AS max_latency_ms
FROM logs_by_day
WHERE dt BETWEEN '2024/05/16' AND '2024/05/17'
GROUP BY dt, service
ORDER BY dt, service;

-- A DATE literal works too: it is mapped through the projection's format (one folder).
SELECT count(*) AS requests FROM logs_by_day WHERE dt = DATE '2024-05-20';

-- Does the projection match the folders? (Athena would silently return nothing.)
VALIDATE PROJECTION logs_by_day;
