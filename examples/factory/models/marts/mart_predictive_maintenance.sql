-- Maintenance planning per machine: its latest feature snapshot (the inputs of the failure
-- model), its failure record, the next planned maintenance, and the risk factors and action the
-- plant's condition rules give, beside the failure model's probability for that snapshot and the
-- features that pushed it most; a probability above 0.8 makes the risk High, above 0.5 Medium.
with latest as (
    select *
    from (
        select f.*, row_number() over (partition by equipment_id order by snapshot_ts desc) as n
        from {{ref "ml_failure_features"}} as f
    ) as ranked
    where n = 1
),

failure_record as (
    select
        equipment_id,
        count(*) as failures_total,
        max(failed_at) as last_failed_at,
        date_diff('hour', min(failed_at), max(failed_at)) / 24.0e0 / nullif(count(*) - 1, 0) as mean_days_between_failures
    from {{ref "int_failures"}}
    group by 1
),

predicted as (
    select snapshot_id, probability as failure_probability, contributions as contributing_factors
    from {{ref "predictions_failure_within_7_days"}}
),

planned as (
    select equipment_id, max(reset_at) as last_planned_at
    from {{ref "int_maintenance_resets"}}
    where maintenance_type = 'planned'
    group by 1
),

assessed as (
    select
        e.equipment_id,
        e.equipment_type,
        e.plant_id,
        l.snapshot_ts,
        l.temperature_vs_nominal,
        l.temperature_trend_24h,
        l.temperature_slope_72h,
        l.vibration_vs_nominal,
        l.vibration_trend_ratio_24h,
        l.hours_since_maintenance,
        l.operating_hours_since_maintenance,
        coalesce(r.failures_total, 0) as failures_total,
        r.last_failed_at,
        r.mean_days_between_failures,
        p.last_planned_at,
        p.last_planned_at + interval '{{var "maintenance_interval_days"}}' day as next_planned_maintenance_at,
        l.temperature_slope_72h > 1.0 as temperature_rising,
        l.vibration_vs_nominal > 1.3 as vibration_elevated,
        l.hours_since_maintenance / 24.0e0 > 0.75 * coalesce(r.mean_days_between_failures, {{var "maintenance_interval_days"}}) as overdue_by_record,
        m.failure_probability,
        m.contributing_factors
    from {{ref "dim_equipment"}} as e
    left join latest as l on l.equipment_id = e.equipment_id
    left join predicted as m on m.snapshot_id = l.snapshot_id
    left join failure_record as r on r.equipment_id = e.equipment_id
    left join planned as p on p.equipment_id = e.equipment_id
)

select
    equipment_id,
    equipment_type,
    plant_id,
    snapshot_ts,
    temperature_vs_nominal,
    temperature_trend_24h,
    temperature_slope_72h,
    vibration_vs_nominal,
    vibration_trend_ratio_24h,
    hours_since_maintenance,
    operating_hours_since_maintenance,
    failures_total,
    last_failed_at,
    mean_days_between_failures,
    last_planned_at,
    next_planned_maintenance_at,
    failure_probability,
    contributing_factors,
    concat_ws('; ',
        case when temperature_rising then 'Temperature trending upward' end,
        case when vibration_elevated then 'Elevated vibration (' || cast(cast(round((vibration_vs_nominal - 1) * 100) as integer) as varchar) || '% above normal)' end,
        case when overdue_by_record then cast(cast(round(hours_since_maintenance / 24.0e0) as integer) as varchar) || ' days since last maintenance' end
    ) as risk_factors,
    case
        when temperature_rising and vibration_elevated or failure_probability > 0.8 then 'High'
        when temperature_rising or vibration_elevated or overdue_by_record or failure_probability > 0.5 then 'Medium'
        else 'Low'
    end as risk_level,
    case
        when temperature_rising and vibration_elevated then 'Schedule maintenance within 3 days'
        when temperature_rising or vibration_elevated then 'Inspect at the next stop'
        when overdue_by_record then 'Bring planned maintenance forward'
        else 'No action'
    end as recommended_action
from assessed
