{{config materialized="incremental" unique_key="reading_id"}}
-- One row per valid sensor reading; rejected rows, with the reason, are in stg_rejected_rows.
-- Incremental runs take the readings not staged yet, by id: Kafka delivers late and out of
-- order, and a time watermark would drop late readings.
select
    reading_id,
    equipment_id,
    reading_ts,
    temperature,
    vibration,
    pressure,
    rpm,
    power_kw
from {{ref "int_sensor_readings_classified"}}
where reject_reason is null
{{#if (is_incremental)}}
  and reading_id not in (select reading_id from {{this}})
{{/if}}
