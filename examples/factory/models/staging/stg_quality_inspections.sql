{{config materialized="incremental" unique_key="batch_id"}}
-- One row per valid inspected batch, picked by id on incremental runs (late events).
select
    batch_id,
    equipment_id,
    inspected_at,
    material,
    operator_id,
    operator_experience_years,
    process_temperature,
    process_pressure,
    ambient_humidity,
    units_produced,
    defect_class
from {{ref "int_quality_inspections_classified"}}
where reject_reason is null
{{#if (is_incremental)}}
  and batch_id not in (select batch_id from {{this}})
{{/if}}
