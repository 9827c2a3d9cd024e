{{config materialized="incremental"}}
-- Every landed event, typed, with the first cleaning rule it breaks (null when it is clean), when
-- and where it landed, and the refresh that classified it (_batch, counting up). stg_events and
-- stg_events_rejected take the batches they have not seen yet from here.
--
-- A micro-batch classifies only what landed since the previous one, picked by landing time, not
-- event time: Kafka delivers late and out-of-order events, and an event-time watermark would drop
-- them. Each landing is one transaction stamped with one time, and landings follow one another,
-- so what is stamped at or after the newest stamp classified so far is new, except that last
-- landing's rows again, which their Kafka positions leave out. A table filled by the generator
-- has empty landing columns; it is replaced on every build, and its new rows are the ids not
-- classified yet.
--
-- The first clean copy of an event to land is staged; a later copy that breaks no other rule is
-- a duplicate. New copies are looked up among the staged ones by a 128-bit key of the id (md5),
-- which reads a fraction of what comparing the ids would.
{{#if (is_incremental)}}
with classified_up_to as (
    -- The newest landing stamp classified: it is in the last batch that classified landed rows.
    select coalesce(max(_ingested_at), cast('0001-01-01 00:00:00+00' as timestamp with time zone)) as landed_at
    from {{this}}
    where _batch = (select max(_batch) from {{this}})
),

new_rows as (
    select landed.*
    from {{source "ecommerce" "events"}} as landed
    where landed._ingested_at >= (select landed_at from classified_up_to)
      and not exists (
          select 1
          from {{this}} as seen
          where seen._ingested_at >= (select landed_at from classified_up_to)
            and seen._topic = landed._topic
            and seen._partition = landed._partition
            and seen._offset = landed._offset
      )
    union all
    select *
    from {{source "ecommerce" "events"}}
    where _ingested_at is null
      and event_id not in (select event_id from {{this}} where _ingested_at is null and event_id is not null)
),
{{else}}
with new_rows as (
    select * from {{source "ecommerce" "events"}}
),
{{/if}}

typed as (
    select
        event_id,
        user_id as raw_user_id,
        product_id as raw_product_id,
        event_type as raw_event_type,
        price as raw_price,
        "timestamp" as raw_timestamp,
        user_id,
        product_id,
        lower(trim(event_type)) as event_type,
        price,
        {{parse_timestamp '"timestamp"'}} as event_ts,
        {{event_key "event_id"}} as event_key,
        _topic,
        _partition,
        _offset,
        _ingested_at
    from new_rows
),

ruled as (
    select
        *,
        case
            when event_id is null then 'null_event_id'
            when user_id is null then 'null_user_id'
            when product_id is null then 'null_product_id'
            when event_type is null or event_type not in ('view', 'cart', 'purchase') then 'invalid_event_type'
            when event_ts is null then 'invalid_timestamp'
            when price < 0 then 'negative_price'
            when event_type = 'purchase' and price = 0 then 'zero_price_purchase'
        end as broken_rule
    from typed
),

repeated as (
    -- Ids with several clean copies among the rows classified now. Ids come once nearly always,
    -- so only these are ranked.
    select event_id
    from ruled
    where broken_rule is null
    group by event_id
    having count(*) > 1
),

copies as (
    -- Each clean copy of a repeated id numbered in landing order; every other row is copy 1.
    select *, cast(1 as bigint) as copy_number
    from ruled
    where broken_rule is not null or event_id not in (select event_id from repeated)
    union all
    select *, row_number() over (partition by event_id order by _ingested_at, _topic, _partition, _offset, raw_timestamp) as copy_number
    from ruled
    where broken_rule is null and event_id in (select event_id from repeated)
){{#if (is_incremental)}},

staged as (
    -- Ids staged by earlier refreshes: only staged rows keep their key.
    select event_key
    from {{this}}
    where event_key in (select event_key from ruled where broken_rule is null)
){{/if}},

decided as (
    select
        *,
        coalesce(
            broken_rule,
            case when copy_number > 1{{#if (is_incremental)}} or event_key in (select event_key from staged){{/if}} then 'duplicate' end
        ) as reject_reason
    from copies
)

select
    event_id,
    raw_user_id,
    raw_product_id,
    raw_event_type,
    raw_price,
    raw_timestamp,
    user_id,
    product_id,
    event_type,
    price,
    event_ts,
    reject_reason,
    case when reject_reason is null then event_key end as event_key,
    _topic,
    _partition,
    _offset,
    _ingested_at,
    {{#if (is_incremental)}}(select coalesce(max(_batch), 0) + 1 from {{this}}){{else}}cast(1 as bigint){{/if}} as _batch
from decided
