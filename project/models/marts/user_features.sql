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
    select as_of - interval '{{var "recent_purchase_hours"}}' hour as after from as_of
),

recent as (
    select user_id, cast(sum(purchases) as bigint) as purchases_last_24h
    from (
        -- An hour window that starts after the window does holds only purchases inside it:
        -- its count is taken whole (hour_window is UTC wall time).
        select user_id, purchases
        from {{ref "int_hourly_shoppers"}}
        where purchases > 0
          and hour_window > cast((select after from window_start) at time zone 'UTC' as timestamp(6))
        union all
        -- The one hour window the window starts in is looked into, purchase by purchase.
        select shoppers.user_id, count(*) as purchases
        from {{ref "int_hourly_shoppers"}} as shoppers
        cross join unnest(shoppers.purchase_times) as purchase (purchased_at)
        where shoppers.purchases > 0
          and shoppers.hour_window <= cast((select after from window_start) at time zone 'UTC' as timestamp(6))
          and shoppers.hour_window > cast((select after from window_start) at time zone 'UTC' as timestamp(6)) - interval '1' hour
          and purchase.purchased_at > (select after from window_start)
        group by shoppers.user_id
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
