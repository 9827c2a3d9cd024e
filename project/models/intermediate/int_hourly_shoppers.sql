{{config materialized="incremental" unique_key="hour_window,user_id"}}
-- What each shopper did in each UTC hour window: the state the hourly marts and the "last 24h"
-- feature are computed from, a row per shopper and hour however many events they hold.
-- Incremental: a refresh adds the events staged since the last one to the rows of the (hour,
-- shopper) pairs they fall in and merges those rows. Counts add up, revenue is summed as a
-- DECIMAL (exact, so a batch at a time sums to what all events at once do) and purchase times
-- are appended, so the rows equal what a full rebuild computes.
with new_events as (
    select * from {{ref "stg_events"}}
    {{#if (is_incremental)}}
    where _batch > (select coalesce(max(_batch), 0) from {{this}})
    {{/if}}
),

added as (
    select
        {{hour_window "event_ts"}} as hour_window,
        user_id,
        count(*) filter (where event_type = 'view') as views,
        count(*) filter (where event_type = 'cart') as carts,
        count(*) filter (where event_type = 'purchase') as purchases,
        coalesce(sum(cast(price as decimal(38, 6))) filter (where event_type = 'purchase'), 0) as revenue,
        coalesce(array_agg(event_ts) filter (where event_type = 'purchase'), array[]) as purchase_times
    from new_events
    group by 1, 2
)

select
    added.hour_window,
    added.user_id,
    {{#if (is_incremental)}}
    added.views + coalesce(earlier.views, 0) as views,
    added.carts + coalesce(earlier.carts, 0) as carts,
    added.purchases + coalesce(earlier.purchases, 0) as purchases,
    added.revenue + coalesce(earlier.revenue, 0) as revenue,
    coalesce(earlier.purchase_times, array[]) || added.purchase_times as purchase_times,
    {{else}}
    added.views,
    added.carts,
    added.purchases,
    added.revenue,
    added.purchase_times,
    {{/if}}
    (select max(_batch) from new_events) as _batch
from added
{{#if (is_incremental)}}
left join {{this}} as earlier on earlier.hour_window = added.hour_window and earlier.user_id = added.user_id
{{/if}}
