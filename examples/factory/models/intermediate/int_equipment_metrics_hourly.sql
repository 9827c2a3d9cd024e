{{config materialized="table"}}
-- Per machine and UTC hour with readings: the hour's statistics, and rolling ones over the
-- previous 24 hours (pooled from sums and sums of squares, so the 24-hour standard deviation is
-- that of the readings, not of hourly means), the last 6 hours against the same 6 hours a day
-- earlier (a trend with the daily cycle cancelled out), and the slope over 72 hours.
with hourly as (
    select
        equipment_id,
        date_trunc('hour', reading_ts) as hour,
        count(*) as readings,
        avg(temperature) as temperature_mean,
        stddev_samp(temperature) as temperature_std,
        min(temperature) as temperature_min,
        max(temperature) as temperature_max,
        sum(temperature) as temperature_sum,
        sum(temperature * temperature) as temperature_sumsq,
        avg(vibration) as vibration_mean,
        stddev_samp(vibration) as vibration_std,
        max(vibration) as vibration_max,
        sum(vibration) as vibration_sum,
        sum(vibration * vibration) as vibration_sumsq,
        avg(pressure) as pressure_mean,
        avg(rpm) as rpm_mean,
        avg(power_kw) as power_kw_mean
    from {{ref "stg_sensor_readings"}}
    group by 1, 2
),

rolling as (
    select
        *,
        sum(readings) over (partition by equipment_id order by hour range between interval '23' hour preceding and current row) as readings_24h,
        sum(temperature_sum) over (partition by equipment_id order by hour range between interval '23' hour preceding and current row) as temperature_sum_24h,
        sum(temperature_sumsq) over (partition by equipment_id order by hour range between interval '23' hour preceding and current row) as temperature_sumsq_24h,
        sum(vibration_sum) over (partition by equipment_id order by hour range between interval '23' hour preceding and current row) as vibration_sum_24h,
        sum(vibration_sumsq) over (partition by equipment_id order by hour range between interval '23' hour preceding and current row) as vibration_sumsq_24h,
        avg(pressure_mean) over (partition by equipment_id order by hour range between interval '23' hour preceding and current row) as pressure_mean_24h,
        avg(power_kw_mean) over (partition by equipment_id order by hour range between interval '23' hour preceding and current row) as power_kw_mean_24h,
        avg(temperature_mean) over (partition by equipment_id order by hour range between interval '5' hour preceding and current row) as temperature_mean_6h,
        avg(temperature_mean) over (partition by equipment_id order by hour range between interval '29' hour preceding and interval '24' hour preceding) as temperature_mean_6h_day_before,
        avg(vibration_mean) over (partition by equipment_id order by hour range between interval '5' hour preceding and current row) as vibration_mean_6h,
        avg(vibration_mean) over (partition by equipment_id order by hour range between interval '29' hour preceding and interval '24' hour preceding) as vibration_mean_6h_day_before,
        regr_slope(temperature_mean, date_diff('hour', timestamp '2000-01-01 00:00:00', hour)) over (partition by equipment_id order by hour range between interval '71' hour preceding and current row) as temperature_slope_per_hour,
        regr_slope(vibration_mean, date_diff('hour', timestamp '2000-01-01 00:00:00', hour)) over (partition by equipment_id order by hour range between interval '71' hour preceding and current row) as vibration_slope_per_hour
    from hourly
)

select
    equipment_id,
    hour,
    readings,
    temperature_mean,
    temperature_std,
    temperature_min,
    temperature_max,
    vibration_mean,
    vibration_std,
    vibration_max,
    pressure_mean,
    rpm_mean,
    power_kw_mean,
    readings_24h,
    temperature_sum_24h / readings_24h as temperature_mean_24h,
    sqrt(greatest(temperature_sumsq_24h / readings_24h - (temperature_sum_24h / readings_24h) * (temperature_sum_24h / readings_24h), 0)) as temperature_std_24h,
    vibration_sum_24h / readings_24h as vibration_mean_24h,
    sqrt(greatest(vibration_sumsq_24h / readings_24h - (vibration_sum_24h / readings_24h) * (vibration_sum_24h / readings_24h), 0)) as vibration_std_24h,
    pressure_mean_24h,
    power_kw_mean_24h,
    temperature_mean_6h - temperature_mean_6h_day_before as temperature_trend_24h,
    vibration_mean_6h / nullif(vibration_mean_6h_day_before, 0) as vibration_trend_ratio_24h,
    temperature_slope_per_hour * 24 as temperature_slope_72h,
    vibration_slope_per_hour * 24 as vibration_slope_72h
from rolling
