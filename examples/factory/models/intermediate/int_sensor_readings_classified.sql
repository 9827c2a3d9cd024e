-- Each raw sensor reading typed and given the first rule it breaks (null when clean).
-- Timestamps become UTC wall-clock time here, once, so every later day and hour is a UTC one.
with raw as (
    select
        r.reading_id,
        r.equipment_id,
        {{utc "r.ts"}} as reading_ts,
        r.temperature,
        r.vibration,
        r.pressure,
        r.rpm,
        r.power_kw,
        e.equipment_id is not null as known_equipment,
        row_number() over (partition by r.reading_id order by r.ts) as copy_number
    from {{source "factory" "equipment_sensors"}} as r
    left join {{source "reference" "equipment"}} as e on e.equipment_id = r.equipment_id
)
select
    *,
    case
        when reading_id is null then 'null_reading_id'
        when equipment_id is null then 'null_equipment_id'
        when not known_equipment then 'unknown_equipment'
        when reading_ts is null then 'null_timestamp'
        -- -273.15 and 999.9 are what the sensors send when they fail to read
        when temperature is null or temperature < -40 or temperature > 400 then 'temperature_out_of_range'
        when vibration is null or vibration < 0 then 'negative_vibration'
        when copy_number > 1 then 'duplicate'
    end as reject_reason
from raw
