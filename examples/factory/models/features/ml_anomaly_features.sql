-- The anomaly-detection feature set: one row per reading, with how the reading departs from
-- the machine's own recent past, in units of that past's spread, so that machines with
-- different nominal values and noise compare:
--   *_z           the reading less the mean of the 15 readings before it, over their standard
--                 deviation (a spike);
--   *_shift_z     the mean of the last 10 readings less that of readings 70 to 40 before, over
--                 the latter's standard deviation (a drift: too slow to show against the last
--                 few readings, far too fast for wear);
--   *_stillness   ln(range of the last 8 readings / range of the 50 before them + 0.01) (a stuck
--                 sensor stops moving: about −4.6 against about −0.5 for a working one);
-- and, since a sensor fault shows in one field at a time, the strongest of each kind across
-- fields (max_abs_z, max_abs_shift_z, min_stillness: what an isolation forest splits on best);
-- plus the readings themselves and the time of day and week. Only readings up to each row are
-- used, so the features can be computed as readings arrive.
with windowed as (
    select
        reading_id,
        equipment_id,
        reading_ts,
        temperature,
        vibration,
        pressure,
        power_kw,
        avg(temperature) over w15 as temperature_mean_15,
        stddev_samp(temperature) over w15 as temperature_std_15,
        avg(vibration) over w15 as vibration_mean_15,
        stddev_samp(vibration) over w15 as vibration_std_15,
        avg(pressure) over w15 as pressure_mean_15,
        stddev_samp(pressure) over w15 as pressure_std_15,
        avg(power_kw) over w15 as power_kw_mean_15,
        stddev_samp(power_kw) over w15 as power_kw_std_15,
        avg(temperature) over (partition by equipment_id order by reading_ts, reading_id rows between 9 preceding and current row) as temperature_mean_10,
        avg(temperature) over w_earlier as temperature_mean_earlier,
        stddev_samp(temperature) over w_earlier as temperature_std_earlier,
        avg(pressure) over (partition by equipment_id order by reading_ts, reading_id rows between 9 preceding and current row) as pressure_mean_10,
        avg(pressure) over w_earlier as pressure_mean_earlier,
        stddev_samp(pressure) over w_earlier as pressure_std_earlier,
        max(temperature) over w8 - min(temperature) over w8 as temperature_range_8,
        max(temperature) over w50 - min(temperature) over w50 as temperature_range_50,
        max(vibration) over w8 - min(vibration) over w8 as vibration_range_8,
        max(vibration) over w50 - min(vibration) over w50 as vibration_range_50,
        max(pressure) over w8 - min(pressure) over w8 as pressure_range_8,
        max(pressure) over w50 - min(pressure) over w50 as pressure_range_50
    from {{ref "stg_sensor_readings"}}
    window
        w15 as (partition by equipment_id order by reading_ts, reading_id rows between 15 preceding and 1 preceding),
        w_earlier as (partition by equipment_id order by reading_ts, reading_id rows between 70 preceding and 40 preceding),
        w8 as (partition by equipment_id order by reading_ts, reading_id rows between 7 preceding and current row),
        w50 as (partition by equipment_id order by reading_ts, reading_id rows between 57 preceding and 8 preceding)
),

features as (
    select
        reading_id,
        equipment_id,
        reading_ts,
        temperature,
        vibration,
        pressure,
        power_kw,
        (temperature - temperature_mean_15) / greatest(temperature_std_15, 0.01) as temperature_z,
        (vibration - vibration_mean_15) / greatest(vibration_std_15, 0.001) as vibration_z,
        (pressure - pressure_mean_15) / greatest(pressure_std_15, 0.001) as pressure_z,
        (power_kw - power_kw_mean_15) / greatest(power_kw_std_15, 0.01) as power_kw_z,
        (temperature_mean_10 - temperature_mean_earlier) / greatest(temperature_std_earlier, 0.01) as temperature_shift_z,
        (pressure_mean_10 - pressure_mean_earlier) / greatest(pressure_std_earlier, 0.001) as pressure_shift_z,
        ln(temperature_range_8 / greatest(temperature_range_50, 0.01) + 0.01) as temperature_stillness,
        ln(vibration_range_8 / greatest(vibration_range_50, 0.001) + 0.01) as vibration_stillness,
        ln(pressure_range_8 / greatest(pressure_range_50, 0.001) + 0.01) as pressure_stillness,
        extract(hour from reading_ts) as hour_of_day,
        {{iso_weekday "reading_ts"}} as iso_weekday
    from windowed
)

select
    *,
    greatest(abs(temperature_z), abs(vibration_z), abs(pressure_z), abs(power_kw_z)) as max_abs_z,
    greatest(abs(temperature_shift_z), abs(pressure_shift_z)) as max_abs_shift_z,
    least(temperature_stillness, vibration_stillness, pressure_stillness) as min_stillness
from features
