-- Every clean purchase is counted in revenue_per_hour, once: the hourly mart agrees with the
-- per-shopper totals. Both fold stg_events in, by separate routes (per hour and shopper, then
-- per hour; per shopper), so a purchase lost or counted twice on the way to the mart shows here.
-- Reading the totals (a row per shopper) rather than every staged purchase keeps this check's
-- time flat as a stream's history grows; that the totals hold all of stg_events is what a full
-- rebuild compares (test/stream-incremental.test.ts).
with staged as (
    select sum(purchases) as purchases, round(sum(revenue), 2) as revenue
    from {{ref "int_shopper_totals"}}
),

mart as (
    select sum(purchase_count) as purchases, round(sum(total_revenue), 2) as revenue
    from {{ref "revenue_per_hour"}}
)

select
    staged.purchases as staged_purchases,
    mart.purchases as mart_purchases,
    staged.revenue as staged_revenue,
    mart.revenue as mart_revenue
from staged, mart
where staged.purchases <> mart.purchases or abs(staged.revenue - mart.revenue) > 0.05
