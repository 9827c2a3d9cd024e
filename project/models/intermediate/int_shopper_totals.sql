{{config materialized="incremental" unique_key="user_id"}}
-- Each shopper's totals over all their staged events: what user_features needs that only grows
-- as events arrive. Incremental: a refresh folds the events staged since the last one into the
-- rows of the shoppers they belong to (counts and the DECIMAL revenue add up, order values and
-- event times keep their extremes) and merges those rows, so the rows equal a full rebuild.
with new_events as (
    select * from {{ref "stg_events"}}
    {{#if (is_incremental)}}
    where _batch > (select coalesce(max(_batch), 0) from {{this}})
    {{/if}}
),

added as (
    select
        user_id,
        count(*) as events,
        count(*) filter (where event_type = 'view') as views,
        count(*) filter (where event_type = 'cart') as carts,
        count(*) filter (where event_type = 'purchase') as purchases,
        coalesce(sum(cast(price as decimal(38, 6))) filter (where event_type = 'purchase'), 0) as revenue,
        max(price) filter (where event_type = 'purchase') as max_order_value,
        min(price) filter (where event_type = 'purchase') as min_order_value,
        min(event_ts) as first_event_at,
        max(event_ts) as last_event_at
    from new_events
    group by user_id
)

select
    added.user_id,
    {{#if (is_incremental)}}
    added.events + coalesce(earlier.events, 0) as events,
    added.views + coalesce(earlier.views, 0) as views,
    added.carts + coalesce(earlier.carts, 0) as carts,
    added.purchases + coalesce(earlier.purchases, 0) as purchases,
    added.revenue + coalesce(earlier.revenue, 0) as revenue,
    -- A shopper's first purchase sets the order values (greatest and least of a NULL are NULL on
    -- Trino; DuckDB skips it).
    coalesce(greatest(added.max_order_value, earlier.max_order_value), added.max_order_value, earlier.max_order_value) as max_order_value,
    coalesce(least(added.min_order_value, earlier.min_order_value), added.min_order_value, earlier.min_order_value) as min_order_value,
    coalesce(least(added.first_event_at, earlier.first_event_at), added.first_event_at) as first_event_at,
    coalesce(greatest(added.last_event_at, earlier.last_event_at), added.last_event_at) as last_event_at,
    {{else}}
    added.events,
    added.views,
    added.carts,
    added.purchases,
    added.revenue,
    added.max_order_value,
    added.min_order_value,
    added.first_event_at,
    added.last_event_at,
    {{/if}}
    (select max(_batch) from new_events) as _batch
from added
{{#if (is_incremental)}}
left join {{this}} as earlier on earlier.user_id = added.user_id
{{/if}}
