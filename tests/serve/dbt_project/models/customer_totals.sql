{{ config(materialized='view') }}

select
    customer_id,
    count(*) as orders,
    sum(amount) as total_amount,
    min(dt) as first_order,
    max(dt) as last_order
from {{ ref('orders_by_day') }}
group by customer_id
