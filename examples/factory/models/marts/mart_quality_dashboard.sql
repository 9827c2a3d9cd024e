-- Quality KPIs per machine and UTC day: batches by class, defect and reject rates (shares of
-- batches), and first-pass yield (sellable units / units made).
select
    q.date_key,
    d.calendar_date,
    q.equipment_id,
    e.equipment_type,
    e.plant_id,
    q.batches,
    q.units_produced,
    q.sellable_units,
    q.good_batches,
    q.minor_defect_batches,
    q.major_defect_batches,
    q.reject_batches,
    cast(q.batches - q.good_batches as double) / q.batches as defect_rate,
    cast(q.reject_batches as double) / q.batches as reject_rate,
    cast(q.sellable_units as double) / nullif(q.units_produced, 0) as first_pass_yield,
    q.avg_process_temperature,
    q.avg_process_pressure
from {{ref "int_quality_aggregates"}} as q
join {{ref "dim_equipment"}} as e on e.equipment_id = q.equipment_id
join {{ref "dim_date"}} as d on d.date_key = q.date_key
