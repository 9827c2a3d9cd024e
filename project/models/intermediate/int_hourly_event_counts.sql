{{config materialized="incremental" unique_key="hour_window" incremental_strategy="delete+insert"}}
-- Events per hour and type, revenue and the shopper funnel: the shared grain of the hourly marts.
-- Incremental: a refresh recomputes the hour windows int_hourly_shoppers changed since the last
-- one, from all their shoppers, and replaces those rows (delete+insert on hour_window). Late
-- events reopen the hour they belong to. Work is proportional to the shoppers of the hours
-- touched, not to the events behind them.
with touched as (
    select distinct hour_window
    from {{ref "int_hourly_shoppers"}}
    {{#if (is_incremental)}}
    where _batch > (select coalesce(max(_batch), 0) from {{this}})
    {{/if}}
),

shoppers as (
    select *
    from {{ref "int_hourly_shoppers"}}
    where hour_window in (select hour_window from touched)
)

select
    hour_window,
    cast(sum(views) as bigint) as views,
    cast(sum(carts) as bigint) as carts,
    cast(sum(purchases) as bigint) as purchases,
    sum(revenue) as revenue,
    count(*) as active_users,
    count(*) filter (where views > 0) as viewers,
    count(*) filter (where views > 0 and carts > 0) as viewers_who_carted,
    count(*) filter (where carts > 0) as carters,
    count(*) filter (where carts > 0 and purchases > 0) as carters_who_bought,
    (select max(_batch) from {{ref "int_hourly_shoppers"}}) as _batch
from shoppers
group by hour_window
