{{config materialized="incremental"}}
-- One row per valid event: typed, de-duplicated, with every rule of the seed's Silver layer.
-- Rejected rows, with the reason, are in stg_events_rejected.
-- Incremental: a refresh appends the clean events of the batches int_events_classified added
-- since the last one (which picked them by landing, so late and out-of-order events come too,
-- and left out the copies of events staged already). Every row a refresh adds carries the
-- newest batch it read (_batch): what is downstream picks up from there, and the staging tests
-- check those rows.
with classified as (
    select * from {{ref "int_events_classified"}}
    {{#if (is_incremental)}}
    where _batch > (select coalesce(max(_batch), 0) from {{this}})
    {{/if}}
)
select
    event_id,
    user_id,
    product_id,
    event_type,
    price,
    event_ts,
    max(_batch) over () as _batch
from classified
where reject_reason is null
