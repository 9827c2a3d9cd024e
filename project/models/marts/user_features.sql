-- One row per shopper: the seed's per-user ML features.
with events as (
    select * from {{ref "stg_events"}}
),

as_of as (
    select max(event_ts) as as_of from events
),

per_user as (
    select
        user_id,
        count(*) as total_events,
        count(*) filter (where event_type = 'view') as views,
        count(*) filter (where event_type = 'cart') as carts,
        count(*) filter (where event_type = 'purchase') as total_purchases,
        count(*) filter (
            where event_type = 'purchase'
              and event_ts > (select as_of from as_of) - interval ({{var "recent_purchase_hours"}}) hour
        ) as purchases_last_24h,
        sum(price) filter (where event_type = 'purchase') as total_revenue,
        avg(price) filter (where event_type = 'purchase') as avg_order_value,
        max(price) filter (where event_type = 'purchase') as max_order_value,
        min(price) filter (where event_type = 'purchase') as min_order_value,
        min(event_ts) as first_event_at,
        max(event_ts) as last_event_at
    from events
    group by user_id
)

select
    user_id,
    total_events,
    total_purchases,
    purchases_last_24h,
    round(coalesce(total_revenue, 0), 2) as total_revenue,
    round(avg_order_value, 2) as avg_order_value,
    max_order_value,
    min_order_value,
    round(epoch(last_event_at - first_event_at) / 3600.0, 4) as activity_span_hours,
    round(total_events / greatest(epoch(last_event_at - first_event_at) / 3600.0, 1.0), 4) as events_per_hour,
    case when views > 0 then round(carts / views, 4) end as view_to_cart_rate,
    case when carts > 0 then round(total_purchases / carts, 4) end as cart_to_purchase_rate
from per_user
