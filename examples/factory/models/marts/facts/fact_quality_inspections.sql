-- Every inspected batch with its date key, class severity and whether it could be sold.
select
    q.batch_id,
    q.equipment_id,
    {{date_key "q.inspected_at"}} as date_key,
    q.inspected_at,
    q.material,
    q.operator_id,
    q.operator_experience_years,
    q.process_temperature,
    q.process_pressure,
    q.ambient_humidity,
    q.units_produced,
    q.defect_class,
    t.severity_rank,
    t.is_sellable
from {{ref "stg_quality_inspections"}} as q
join {{ref "dim_defect_types"}} as t on t.defect_class = q.defect_class
