-- Distinct shoppers with any event per hour window.
select
    hour_window,
    active_users
from {{ref "int_hourly_event_counts"}}
order by hour_window
