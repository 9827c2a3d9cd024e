-- The predictive-maintenance feature set: one row per machine and hour it ran, described only
-- by what was known when the hour ended (readings up to then, resets and failures before it),
-- with the label from int_failure_labels beside it. Features: temperature trend (rolling mean,
-- standard deviation, trend against the day before, 72-hour slope), vibration patterns, hours
-- and operating hours since the last reset, failures to date, equipment age, and time of day
-- and week (seasonal factors).
with snapshots as (
    select
        h.*,
        h.hour + interval '1' hour as snapshot_ts
    from {{ref "int_equipment_metrics_hourly"}} as h
),

last_reset as (
    select s.equipment_id, s.hour, max(r.reset_at) as reset_at
    from snapshots as s
    join {{ref "int_maintenance_resets"}} as r on r.equipment_id = s.equipment_id and r.reset_at <= s.snapshot_ts
    group by 1, 2
),

-- Running time since the reset, from the state stretches; before the streams begin the state is
-- unknown, and those hours count as running.
operating as (
    select
        s.equipment_id,
        s.hour,
        sum(date_diff('second', greatest(i.started_at, l.reset_at), least(i.ended_at, s.snapshot_ts))) / 3600.0e0 as running_hours
    from snapshots as s
    join last_reset as l on l.equipment_id = s.equipment_id and l.hour = s.hour
    join {{ref "int_equipment_state_intervals"}} as i
        on i.equipment_id = s.equipment_id and i.state = 'running' and i.started_at < s.snapshot_ts and i.ended_at > l.reset_at
    group by 1, 2
),

failures_so_far as (
    select s.equipment_id, s.hour, count(f.failed_at) as failures
    from snapshots as s
    left join {{ref "int_failures"}} as f on f.equipment_id = s.equipment_id and f.failed_at <= s.snapshot_ts
    group by 1, 2
)

select
    -- The hour spelled alike on every engine (a timestamp cast to text is not: Trino adds .000000).
    s.equipment_id || '@' || cast(cast(s.hour as date) as varchar) || ' ' || lpad(cast(hour(s.hour) as varchar), 2, '0') || ':00:00' as snapshot_id,
    s.equipment_id,
    e.equipment_type,
    s.snapshot_ts,
    s.temperature_mean_24h,
    s.temperature_std_24h,
    s.temperature_mean_24h - e.nominal_temperature as temperature_vs_nominal,
    s.temperature_trend_24h,
    s.temperature_slope_72h,
    s.vibration_mean_24h,
    s.vibration_std_24h,
    s.vibration_mean_24h / e.nominal_vibration as vibration_vs_nominal,
    s.vibration_trend_ratio_24h,
    s.vibration_slope_72h,
    s.pressure_mean_24h - e.nominal_pressure as pressure_vs_nominal,
    s.power_kw_mean_24h / e.nominal_power_kw as power_vs_nominal,
    date_diff('second', l.reset_at, s.snapshot_ts) / 3600.0e0 as hours_since_maintenance,
    coalesce(o.running_hours, 0) + greatest(date_diff('second', l.reset_at, w.window_start), 0) / 3600.0e0 as operating_hours_since_maintenance,
    fs.failures as failures_to_date,
    date_diff('day', e.install_date, cast(s.snapshot_ts as date)) / 365.25e0 as equipment_age_years,
    extract(hour from s.snapshot_ts) as hour_of_day,
    {{iso_weekday "s.snapshot_ts"}} as iso_weekday,
    lbl.failure_within_7_days,
    lbl.label_observed
from snapshots as s
join {{ref "dim_equipment"}} as e on e.equipment_id = s.equipment_id
cross join {{ref "int_data_window"}} as w
left join last_reset as l on l.equipment_id = s.equipment_id and l.hour = s.hour
left join operating as o on o.equipment_id = s.equipment_id and o.hour = s.hour
join failures_so_far as fs on fs.equipment_id = s.equipment_id and fs.hour = s.hour
join {{ref "int_failure_labels"}} as lbl on lbl.equipment_id = s.equipment_id and lbl.hour = s.hour
