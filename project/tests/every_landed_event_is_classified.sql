{{config severity="warn"}}
-- Every event landed before the newest one int_events_classified has read is in it, once.
-- int_events_classified picks new rows by landing stamp, which takes stamps to grow from one
-- landing to the next: a clock set back between two landings would leave one unread, and this
-- counts it. It also notices a classified table out of step with its source (a landing table
-- replaced, a generator changed): `plat build --full-refresh` brings them back in step.
-- Each side is counted in one pass over its stamps alone: a CTE read twice is materialized,
-- which copied both tables' stamps at every micro-batch (ten times the time of counting them).
with up_to as (
    select max(_ingested_at) as landed_at
    from {{ref "int_events_classified"}}
    where _batch = (select max(_batch) from {{ref "int_events_classified"}})
),

landed as (
    select count(*) filter (where _ingested_at < (select landed_at from up_to) or _ingested_at is null) as events
    from {{source "ecommerce" "events"}}
),

classified as (
    select count(*) filter (where _ingested_at < (select landed_at from up_to) or _ingested_at is null) as events
    from {{ref "int_events_classified"}}
)

select landed.events as landed, classified.events as classified
from landed, classified
where landed.events <> classified.events
