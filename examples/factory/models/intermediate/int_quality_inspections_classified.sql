-- Each raw quality record typed and given the first rule it breaks (null when clean).
with raw as (
    select
        q.batch_id,
        q.equipment_id,
        {{utc "q.ts"}} as inspected_at,
        q.material,
        q.operator_id,
        q.operator_experience_years,
        q.process_temperature,
        q.process_pressure,
        q.ambient_humidity,
        q.units_produced,
        q.defect_class,
        e.equipment_id is not null as known_equipment,
        row_number() over (partition by q.batch_id order by q.ts) as copy_number
    from {{source "factory" "quality_metrics"}} as q
    left join {{source "reference" "equipment"}} as e on e.equipment_id = q.equipment_id
)
select
    *,
    case
        when batch_id is null then 'null_batch_id'
        when equipment_id is null then 'null_equipment_id'
        when not known_equipment then 'unknown_equipment'
        when inspected_at is null then 'null_timestamp'
        when units_produced is null or units_produced < 0 then 'negative_units'
        when defect_class is null or defect_class not in ('Good', 'Minor Defect', 'Major Defect', 'Reject') then 'unknown_defect_class'
        when copy_number > 1 then 'duplicate'
    end as reject_reason
from raw
