{{config severity="warn"}}
-- Every event landed before the newest one int_events_classified has read is in it, once.
-- int_events_classified picks new rows by landing stamp, which takes stamps to grow from one
-- landing to the next: a clock set back between two landings would leave one unread, and this
-- counts it. It also notices a classified table out of step with its source (a landing table
-- replaced, a generator changed): `plat build --full-refresh` brings them back in step.
-- Counting rows on either side of a stamp reads the stamps' statistics more than the rows, so
-- this takes about the same time at any size.
with landed as (
    select _ingested_at from {{source "ecommerce" "events"}}
),

classified as (
    select _ingested_at, _batch from {{ref "int_events_classified"}}
),

up_to as (
    select max(_ingested_at) as landed_at
    from classified
    where _batch = (select max(_batch) from classified)
),

counts as (
    select
        (select count(*) from landed where _ingested_at < (select landed_at from up_to))
            + (select count(*) from landed where _ingested_at is null) as landed,
        (select count(*) from classified where _ingested_at < (select landed_at from up_to))
            + (select count(*) from classified where _ingested_at is null) as classified
)

select landed, classified
from counts
where landed <> classified
