-- One row per shopper: the seed's per-user ML features.
--
-- purchases_last_24h counts back from the newest event of all, an "as of" that moves with
-- nearly every micro-batch and changes the count of shoppers who bought nothing new. So the
-- features are split in two: what only grows with a shopper's own events is kept per shopper
-- in int_shopper_totals (merged incrementally), and the moving window is counted here, at every
-- refresh, from the purchase times of the hour windows it can reach in int_hourly_shoppers —
-- the last recent_purchase_hours hours of purchases, whatever the history behind them. The
-- table is rebuilt from those two each time, in time that depends on the number of shoppers and
-- on a day of purchases, not on how many events came before; and it is what a full rebuild
-- computes.
with as_of as (
    select max(last_event_at) as as_of from {{ref "int_shopper_totals"}}
),

window_start as (
    select as_of - interval '{{var "recent_purchase_hours"}}' hour as after from as_of
),

recent_purchases as (
    select shoppers.user_id, purchase.purchased_at
    from {{ref "int_hourly_shoppers"}} as shoppers
    cross join unnest(shoppers.purchase_times) as purchase (purchased_at)
    where shoppers.purchases > 0
      -- Hour windows that end after the window starts (hour_window is UTC wall time).
      and shoppers.hour_window > cast((select after from window_start) at time zone 'UTC' as timestamp(6)) - interval '1' hour
),

recent as (
    select user_id, count(*) as purchases_last_24h
    from recent_purchases
    where purchased_at > (select after from window_start)
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
