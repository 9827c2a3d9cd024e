{{config severity="warn"}}
-- Every event landed before the newest one int_events_classified has read is in it, once.
-- int_events_classified picks new rows by landing stamp, which takes stamps to grow from one
-- landing to the next: a clock set back between two landings would leave one unread, and this
-- counts it. It also notices a classified table out of step with its source (a landing table
-- replaced, a generator changed): `plat build --full-refresh` brings them back in step.
-- Each side is all its rows less those stamped at or after that newest stamp: the engine knows a
-- table's row count without reading it, and the stamped tail is the last landings', which the
-- stamps' min/max per row group find without reading the rest. Counting the rows stamped before
-- it instead read every stamp of both tables at every micro-batch, the test's time growing
-- fivefold over a 10-minute stream. A table with no stamps counts its unstamped rows, as before.
with up_to as (
    select coalesce(max(_ingested_at), cast('0001-01-01 00:00:00+00' as timestamp with time zone)) as landed_at
    from {{ref "int_events_classified"}}
    where _batch = (select max(_batch) from {{ref "int_events_classified"}})
),

landed as (
    select
        (select count(*) from {{source "ecommerce" "events"}})
        - (select count(*) from {{source "ecommerce" "events"}} where _ingested_at >= (select landed_at from up_to)) as events
),

classified as (
    select
        (select count(*) from {{ref "int_events_classified"}})
        - (select count(*) from {{ref "int_events_classified"}} where _ingested_at >= (select landed_at from up_to)) as events
)

select landed.events as landed, classified.events as classified
from landed, classified
where landed.events <> classified.events
