-- The anomaly-detection feature set: one row per reading, the readings themselves and how each
-- departs from the machine's previous readings (the last 15 as a baseline, the last 8 for how
-- much it moves: a stuck sensor stops moving), plus time of day and week. Only readings before
-- each row are compared with, so the features can be computed as readings arrive.
with windowed as (
    select
        reading_id,
        equipment_id,
        reading_ts,
        temperature,
        vibration,
        pressure,
        rpm,
        power_kw,
        avg(temperature) over (partition by equipment_id order by reading_ts, reading_id rows between 15 preceding and 1 preceding) as temperature_baseline,
        avg(vibration) over (partition by equipment_id order by reading_ts, reading_id rows between 15 preceding and 1 preceding) as vibration_baseline,
        avg(pressure) over (partition by equipment_id order by reading_ts, reading_id rows between 15 preceding and 1 preceding) as pressure_baseline,
        avg(power_kw) over (partition by equipment_id order by reading_ts, reading_id rows between 15 preceding and 1 preceding) as power_kw_baseline,
        stddev_samp(temperature) over (partition by equipment_id order by reading_ts, reading_id rows between 7 preceding and current row) as temperature_std_8,
        stddev_samp(vibration) over (partition by equipment_id order by reading_ts, reading_id rows between 7 preceding and current row) as vibration_std_8,
        stddev_samp(pressure) over (partition by equipment_id order by reading_ts, reading_id rows between 7 preceding and current row) as pressure_std_8
    from {{ref "stg_sensor_readings"}}
)

select
    reading_id,
    equipment_id,
    reading_ts,
    temperature,
    vibration,
    pressure,
    rpm,
    power_kw,
    temperature - temperature_baseline as temperature_deviation,
    vibration - vibration_baseline as vibration_deviation,
    pressure - pressure_baseline as pressure_deviation,
    power_kw - power_kw_baseline as power_kw_deviation,
    temperature_std_8,
    vibration_std_8,
    pressure_std_8,
    extract(hour from reading_ts) as hour_of_day,
    {{iso_weekday "reading_ts"}} as iso_weekday
from windowed
