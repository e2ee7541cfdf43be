{{ config(
    materialized='table',
    format='parquet',
    partitioned_by=['dt'],
) }}

select
    order_id,
    customer_id,
    status,
    amount,
    order_date as dt
from {{ ref('raw_orders') }}
