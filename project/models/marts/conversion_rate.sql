-- The purchase funnel per hour window, by shopper: of those who viewed, the share who also
-- added to cart; of those who added to cart, the share who also bought, within the hour.
-- int_hourly_event_counts counts the shoppers from int_hourly_shoppers, one row per shopper and
-- hour, so a shopper's many events count once.
select
    hour_window,
    views,
    carts,
    purchases,
    viewers,
    carters,
    case when viewers > 0 then round(cast(viewers_who_carted as double) / viewers, 4) end as view_to_cart_rate,
    case when carters > 0 then round(cast(carters_who_bought as double) / carters, 4) end as cart_to_purchase_rate
from {{ref "int_hourly_event_counts"}}
order by hour_window
