-- The quality-prediction feature set: one row per inspected batch, its process parameters
-- (temperature above and pressure below the machine's nominal values), material, operator
-- experience and shop-floor humidity, with the inspected class as the label.
select
    q.batch_id,
    q.equipment_id,
    e.equipment_type,
    q.material,
    q.operator_experience_years,
    q.process_temperature,
    q.process_temperature - e.nominal_temperature as temperature_excess,
    q.process_pressure,
    e.nominal_pressure - q.process_pressure as pressure_deficit,
    q.ambient_humidity,
    extract(hour from q.inspected_at) as hour_of_day,
    q.defect_class
from {{ref "stg_quality_inspections"}} as q
join {{ref "dim_equipment"}} as e on e.equipment_id = q.equipment_id
