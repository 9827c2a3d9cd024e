{{config materialized="incremental" unique_key="event_id"}}
-- One row per valid event: typed, de-duplicated, with every rule of the seed's Silver layer.
-- Rejected rows, with the reason, are in stg_events_rejected.
-- Incremental runs take the events not staged yet, by id rather than by newest event time:
-- Kafka delivers late and out-of-order events, and a time watermark would drop them.
with classified as (
    select * from {{ref "int_events_classified"}}
    {{#if (is_incremental)}}
    where event_id not in (select event_id from {{this}})
    {{/if}}
)
select
    event_id,
    user_id,
    product_id,
    event_type,
    price,
    event_ts
from classified
where reject_reason is null
