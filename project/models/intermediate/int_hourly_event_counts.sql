-- Events per hour and type: the shared grain of the hourly marts.
select
    {{hour_window "event_ts"}} as hour_window,
    count(*) filter (where event_type = 'view') as views,
    count(*) filter (where event_type = 'cart') as carts,
    count(*) filter (where event_type = 'purchase') as purchases,
    coalesce(sum(price) filter (where event_type = 'purchase'), 0) as revenue,
    count(distinct user_id) as active_users
from {{ref "stg_events"}}
group by 1
