-- One row per machine: its reference data, its age when the data ends, and its record in the
-- maintenance system's history (failures and work orders in the two years before the streams).
with history_failures as (
    select equipment_id, count(*) as failures, max(failed_at) as last_failed_at
    from {{source "reference" "failure_history"}}
    group by 1
),

history_work as (
    select
        equipment_id,
        count(*) as work_orders,
        max(case when maintenance_type = 'planned' then completed_at end) as last_planned_at
    from {{source "reference" "maintenance_history"}}
    group by 1
)

select
    e.equipment_id,
    e.equipment_name,
    e.equipment_type,
    e.plant_id,
    e.manufacturer,
    e.install_date,
    round(date_diff('day', e.install_date, cast(w.as_of as date)) / 365.25e0, 2) as age_years,
    e.ideal_rate_per_hour,
    e.nominal_temperature,
    e.nominal_vibration,
    e.nominal_pressure,
    e.nominal_rpm,
    e.nominal_power_kw,
    coalesce(f.failures, 0) as history_failures,
    coalesce(m.work_orders, 0) as history_work_orders,
    {{utc "f.last_failed_at"}} as history_last_failed_at,
    {{utc "m.last_planned_at"}} as history_last_planned_at
from {{source "reference" "equipment"}} as e
cross join {{ref "int_data_window"}} as w
left join history_failures as f on f.equipment_id = e.equipment_id
left join history_work as m on m.equipment_id = e.equipment_id
