-- Each raw sensor reading typed and given the first rule it breaks (null when clean).
-- Timestamps become UTC wall-clock time here, once, so every later day and hour is a UTC one.
-- Of several copies of one reading id, a clean one is kept and the others are duplicates, so a
-- garbled resend never displaces the message it repeats.
with typed as (
    select
        r.reading_id,
        r.equipment_id,
        {{utc "r.ts"}} as reading_ts,
        r.temperature,
        r.vibration,
        r.pressure,
        r.rpm,
        r.power_kw,
        case
            when r.reading_id is null then 'null_reading_id'
            when r.equipment_id is null then 'null_equipment_id'
            when e.equipment_id is null then 'unknown_equipment'
            when r.ts is null then 'null_timestamp'
            -- -273.15 and 999.9 are what the sensors send when they fail to read
            when r.temperature is null or r.temperature < -40 or r.temperature > 400 then 'temperature_out_of_range'
            when r.vibration is null or r.vibration < 0 then 'negative_vibration'
        end as broken_rule
    from {{source "factory" "equipment_sensors"}} as r
    left join {{source "reference" "equipment"}} as e on e.equipment_id = r.equipment_id
),

numbered as (
    select
        *,
        row_number() over (partition by reading_id order by case when broken_rule is null then 0 else 1 end, reading_ts) as copy_number
    from typed
)

select
    *,
    coalesce(broken_rule, case when copy_number > 1 then 'duplicate' end) as reject_reason
from numbered
