-- Revenue per hour window (the seed's Gold revenue_per_hour).
-- A table of one row per hour, rebuilt at each refresh from int_hourly_event_counts, which is
-- itself refreshed by the hours that changed: its cost follows the hours, not the events.
select
    hour_window,
    cast(round(revenue, 2) as double) as total_revenue,
    purchases as purchase_count,
    case when purchases > 0 then round(cast(revenue as double) / purchases, 2) end as avg_order_value
from {{ref "int_hourly_event_counts"}}
order by hour_window
