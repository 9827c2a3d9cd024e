-- Revenue per hour window (the seed's Gold revenue_per_hour).
select
    hour_window,
    round(revenue, 2) as total_revenue,
    purchases as purchase_count,
    case when purchases > 0 then round(revenue / purchases, 2) end as avg_order_value
from {{ref "int_hourly_event_counts"}}
order by hour_window
