{{config materialized="incremental"}}
-- Every raw event that staging drops, and why: nothing is dropped silently.
-- Incremental like stg_events: a refresh appends the rejected events of the batches it has not
-- seen yet, each row carrying the newest batch it read.
with classified as (
    select * from {{ref "int_events_classified"}}
    {{#if (is_incremental)}}
    where _batch > (select coalesce(max(_batch), 0) from {{this}})
    {{/if}}
)
select
    event_id,
    raw_user_id as user_id,
    raw_product_id as product_id,
    raw_event_type as event_type,
    raw_price as price,
    raw_timestamp as "timestamp",
    reject_reason,
    max(_batch) over () as _batch
from classified
where reject_reason is not null
