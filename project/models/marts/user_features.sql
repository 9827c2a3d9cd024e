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
    select as_of - interval ({{var "recent_purchase_hours"}}) hour as after from as_of
),

recent as (
    select user_id, cast(sum(purchases) as bigint) as purchases_last_24h
    from (
        -- An hour window that starts after the window does holds only purchases inside it:
        -- its count is taken whole (hour_window is UTC wall time).
        select user_id, purchases
        from {{ref "int_hourly_shoppers"}}
        where purchases > 0
          and hour_window > ((select after from window_start) at time zone 'UTC')
        union all
        -- The one hour window the window starts in is looked into, purchase by purchase.
        select user_id, count(*) as purchases
        from (
            select user_id, unnest(purchase_times) as purchased_at
            from {{ref "int_hourly_shoppers"}}
            where purchases > 0
              and hour_window <= ((select after from window_start) at time zone 'UTC')
              and hour_window > ((select after from window_start) at time zone 'UTC') - interval 1 hour
        ) as boundary
        where purchased_at > (select after from window_start)
        group by user_id
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
    case when totals.views > 0 then round(totals.carts / totals.views, 4) end as view_to_cart_rate,
    case when totals.carts > 0 then round(totals.purchases / totals.carts, 4) end as cart_to_purchase_rate
from (
    -- Seconds between the first and the last event from epoch microseconds: the same values as
    -- epoch(last - first), without the calendar arithmetic of subtracting two TIMESTAMPTZ
    -- (25 times slower on 10,000 shoppers).
    select *, (epoch_us(last_event_at) - epoch_us(first_event_at)) / 1e6 as span_seconds
    from {{ref "int_shopper_totals"}}
) as totals
left join recent using (user_id)
