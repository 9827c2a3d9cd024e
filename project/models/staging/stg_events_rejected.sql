{{config materialized="table"}}
-- Every raw event that staging drops, and why: nothing is dropped silently.
select
    event_id,
    raw_user_id as user_id,
    raw_product_id as product_id,
    raw_event_type as event_type,
    raw_price as price,
    raw_timestamp as "timestamp",
    reject_reason
from {{ref "int_events_classified"}}
where reject_reason is not null
