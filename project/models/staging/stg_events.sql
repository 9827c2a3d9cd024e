{{config materialized="incremental" unique_key="event_id"}}
-- One row per valid event: typed, de-duplicated, with every rule of the seed's Silver layer.
-- Rejected rows, with the reason, are in stg_events_rejected.
with classified as (
    select * from {{ref "int_events_classified"}}
    {{#if (is_incremental)}}
    where event_ts > (select max(event_ts) from {{this}})
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
