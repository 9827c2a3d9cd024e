-- Current health per machine (the reference's example model): its last 24 hours of readings
-- before as_of (the newest data, not the clock), its state now, and a status from condition
-- rules: Critical when it is down with a fault or runs far hotter or rougher than its nominal
-- values, Warning when noticeably so, else Normal. The failure model's prediction for the
-- machine's latest snapshot joins here and raises the status (> 0.8 Critical, > 0.5 Warning),
-- with the features that pushed it most (failure_factors).
with recent as (
    select
        r.equipment_id,
        max(r.reading_ts) as last_reading_at,
        count(*) as readings_24h,
        avg(r.temperature) as avg_temperature_24h,
        max(r.temperature) as max_temperature_24h,
        avg(r.vibration) as avg_vibration_24h,
        max(r.vibration) as max_vibration_24h
    from {{ref "stg_sensor_readings"}} as r
    cross join {{ref "int_data_window"}} as w
    where r.reading_ts > w.as_of - interval '{{var "health_window_hours"}}' hour
    group by 1
),

latest_event as (
    select equipment_id, status, event_ts
    from (
        select equipment_id, status, event_ts, row_number() over (partition by equipment_id order by event_ts desc, event_id desc) as n
        from {{ref "stg_equipment_events"}}
    ) as ranked
    where n = 1
),

last_reset as (
    select equipment_id, max(reset_at) as reset_at
    from {{ref "int_maintenance_resets"}}
    group by 1
),

failures_30d as (
    select f.equipment_id, count(*) as failures
    from {{ref "int_failures"}} as f
    cross join {{ref "int_data_window"}} as w
    where f.failed_at > w.as_of - interval '30' day
    group by 1
),

predicted as (
    select equipment_id, failure_probability, failure_factors
    from (
        select f.equipment_id, p.probability as failure_probability, p.contributions as failure_factors,
               row_number() over (partition by f.equipment_id order by f.snapshot_ts desc) as newest
        from {{ref "predictions_failure_within_7_days"}} as p
        join {{ref "ml_failure_features"}} as f on f.snapshot_id = p.snapshot_id
    ) as ranked
    where newest = 1
),

assessed as (
    select
        e.equipment_id,
        e.equipment_name,
        e.equipment_type,
        e.plant_id,
        s.last_reading_at,
        coalesce(s.readings_24h, 0) as readings_24h,
        s.avg_temperature_24h,
        s.max_temperature_24h,
        s.avg_vibration_24h,
        s.max_vibration_24h,
        s.avg_temperature_24h - e.nominal_temperature as temperature_vs_nominal,
        s.avg_vibration_24h / e.nominal_vibration as vibration_vs_nominal,
        coalesce(l.status, 'running') as current_status,
        date_diff('second', r.reset_at, w.as_of) / 3600.0e0 as hours_since_maintenance,
        coalesce(f.failures, 0) as failures_30d,
        m.failure_probability,
        m.failure_factors,
        w.as_of
    from {{ref "dim_equipment"}} as e
    cross join {{ref "int_data_window"}} as w
    left join recent as s on s.equipment_id = e.equipment_id
    left join latest_event as l on l.equipment_id = e.equipment_id
    left join last_reset as r on r.equipment_id = e.equipment_id
    left join failures_30d as f on f.equipment_id = e.equipment_id
    left join predicted as m on m.equipment_id = e.equipment_id
)

select
    *,
    case
        when current_status = 'error' or temperature_vs_nominal > 5 or vibration_vs_nominal > 1.5 or failure_probability > 0.8 then 'Critical'
        when temperature_vs_nominal > 3 or vibration_vs_nominal > 1.25 or failure_probability > 0.5 then 'Warning'
        else 'Normal'
    end as health_status
from assessed
