-- Every clean purchase is counted in revenue_per_hour, once: the mart and staging agree.
with staged as (
    select count(*) as purchases, round(sum(price), 2) as revenue
    from {{ref "stg_events"}}
    where event_type = 'purchase'
),
mart as (
    select sum(purchase_count) as purchases, round(sum(total_revenue), 2) as revenue
    from {{ref "revenue_per_hour"}}
)
select staged.purchases as staged_purchases, mart.purchases as mart_purchases,
       staged.revenue as staged_revenue, mart.revenue as mart_revenue
from staged, mart
where staged.purchases <> mart.purchases or abs(staged.revenue - mart.revenue) > 0.05
