-- The purchase funnel per hour window, by shopper: of those who viewed, the share who also
-- added to cart; of those who added to cart, the share who also bought, within the hour.
with per_shopper as (
    select
        {{hour_window "event_ts"}} as hour_window,
        user_id,
        bool_or(event_type = 'view') as viewed,
        bool_or(event_type = 'cart') as carted,
        bool_or(event_type = 'purchase') as purchased
    from {{ref "stg_events"}}
    group by 1, 2
),

funnel as (
    select
        hour_window,
        count(*) filter (where viewed) as viewers,
        count(*) filter (where viewed and carted) as viewers_who_carted,
        count(*) filter (where carted) as carters,
        count(*) filter (where carted and purchased) as carters_who_bought
    from per_shopper
    group by 1
)

select
    counts.hour_window,
    counts.views,
    counts.carts,
    counts.purchases,
    funnel.viewers,
    funnel.carters,
    case when funnel.viewers > 0 then round(funnel.viewers_who_carted / funnel.viewers, 4) end as view_to_cart_rate,
    case when funnel.carters > 0 then round(funnel.carters_who_bought / funnel.carters, 4) end as cart_to_purchase_rate
from {{ref "int_hourly_event_counts"}} as counts
join funnel using (hour_window)
order by counts.hour_window
