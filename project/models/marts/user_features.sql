-- One row per shopper: the seed's per-user ML features.
--
-- purchases_last_24h counts back from the newest event of all, an "as of" that moves with
-- nearly every micro-batch and changes the count of shoppers who bought nothing new. So the
-- features are split in two: what only grows with a shopper's own events is kept per shopper
-- in int_shopper_totals (merged incrementally), and the moving window is counted here, at every
-- refresh, from the hour windows it can reach in int_hourly_shoppers: the purchase counts of
-- the hours inside it, and the purchase times of the one hour it starts in. The table is rebuilt
-- from those two each time, in time that depends on the number of shoppers and of their hours
-- in the window, not on how many events or purchases came before; and it is what a full
-- rebuild computes.
with as_of as (
    select max(last_event_at) as as_of from {{ref "int_shopper_totals"}}
),

window_start as (
    select
        as_of - interval '{{var "recent_purchase_hours"}}' hour as after,
        -- hour_window is UTC wall time.
        cast((as_of - interval '{{var "recent_purchase_hours"}}' hour) at time zone 'UTC' as timestamp(6)) as after_hour
    from as_of
),

boundary as (
    -- The shoppers of the one hour window the window starts in, picked before their purchase
    -- times are unnested: unnesting first (as a lateral join with the window's bounds as scalar
    -- subqueries made DuckDB do) read every purchase of every hour, 75 ms at 3M events against 1.
    select shoppers.user_id, shoppers.purchase_times, window_start.after
    from {{ref "int_hourly_shoppers"}} as shoppers
    cross join window_start
    where shoppers.purchases > 0
      and shoppers.hour_window <= window_start.after_hour
      and shoppers.hour_window > window_start.after_hour - interval '1' hour
),

recent as (
    select user_id, cast(sum(purchases) as bigint) as purchases_last_24h
    from (
        -- An hour window that starts after the window does holds only purchases inside it:
        -- its count is taken whole.
        select shoppers.user_id, shoppers.purchases
        from {{ref "int_hourly_shoppers"}} as shoppers
        cross join window_start
        where shoppers.purchases > 0
          and shoppers.hour_window > window_start.after_hour
        union all
        -- The window's first hour is looked into, purchase by purchase.
        select boundary.user_id, count(*) as purchases
        from boundary
        cross join unnest(boundary.purchase_times) as purchase (purchased_at)
        where purchase.purchased_at > boundary.after
        group by boundary.user_id
    ) as in_window
    group by user_id
)

select
    totals.user_id,
    totals.events as total_events,
    totals.purchases as total_purchases,
    coalesce(recent.purchases_last_24h, 0) as purchases_last_24h,
    cast(round(totals.revenue, 2) as double) as total_revenue,
    case when totals.purchases > 0 then round(cast(totals.revenue as double) / totals.purchases, 2) end as avg_order_value,
    totals.max_order_value,
    totals.min_order_value,
    round(totals.span_seconds / 3600.0, 4) as activity_span_hours,
    round(totals.events / greatest(totals.span_seconds / 3600.0, 1.0), 4) as events_per_hour,
    case when totals.views > 0 then round(cast(totals.carts as double) / totals.views, 4) end as view_to_cart_rate,
    case when totals.carts > 0 then round(cast(totals.purchases as double) / totals.carts, 4) end as cart_to_purchase_rate
from (
    select *, {{seconds_between "first_event_at" "last_event_at"}} as span_seconds
    from {{ref "int_shopper_totals"}}
) as totals
left join recent on recent.user_id = totals.user_id
