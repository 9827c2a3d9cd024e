-- Funnel per hour window: view → cart and cart → purchase.
select
    hour_window,
    views,
    carts,
    purchases,
    case when views > 0 then round(carts / views, 4) end as view_to_cart_rate,
    case when carts > 0 then round(purchases / carts, 4) end as cart_to_purchase_rate
from {{ref "int_hourly_event_counts"}}
order by hour_window
