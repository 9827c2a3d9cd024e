-- Each raw event typed and given the first rule it breaks (null when it is clean).
with typed as (
    select
        event_id,
        user_id as raw_user_id,
        product_id as raw_product_id,
        event_type as raw_event_type,
        price as raw_price,
        "timestamp" as raw_timestamp,
        user_id,
        product_id,
        lower(trim(event_type)) as event_type,
        price,
        try_cast("timestamp" as timestamptz) as event_ts,
        row_number() over (partition by event_id order by "timestamp") as copy_number
    from {{source "ecommerce" "events"}}
)
select
    *,
    case
        when event_id is null then 'null_event_id'
        when user_id is null then 'null_user_id'
        when product_id is null then 'null_product_id'
        when event_type is null or event_type not in ('view', 'cart', 'purchase') then 'invalid_event_type'
        when event_ts is null then 'invalid_timestamp'
        when price < 0 then 'negative_price'
        when event_type = 'purchase' and price = 0 then 'zero_price_purchase'
        when copy_number > 1 then 'duplicate'
    end as reject_reason
from typed
