{{config materialized="incremental" unique_key="reading_id"}}
-- Every valid reading with its date key: the time-series fact. Incremental by id, as staging.
select
    r.reading_id,
    r.equipment_id,
    {{date_key "r.reading_ts"}} as date_key,
    r.reading_ts,
    r.temperature,
    r.vibration,
    r.pressure,
    r.rpm,
    r.power_kw
from {{ref "stg_sensor_readings"}} as r
{{#if (is_incremental)}}
where r.reading_id not in (select reading_id from {{this}})
{{/if}}
