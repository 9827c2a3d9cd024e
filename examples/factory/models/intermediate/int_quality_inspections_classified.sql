-- Each raw quality record typed and given the first rule it breaks (null when clean). Of
-- several copies of one batch id a clean one is kept.
with typed as (
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
        case
            when q.batch_id is null then 'null_batch_id'
            when q.equipment_id is null then 'null_equipment_id'
            when e.equipment_id is null then 'unknown_equipment'
            when q.ts is null then 'null_timestamp'
            when q.units_produced is null or q.units_produced < 0 then 'negative_units'
            when q.defect_class is null or q.defect_class not in ('Good', 'Minor Defect', 'Major Defect', 'Reject') then 'unknown_defect_class'
        end as broken_rule
    from {{source "factory" "quality_metrics"}} as q
    left join {{source "reference" "equipment"}} as e on e.equipment_id = q.equipment_id
),

numbered as (
    select
        *,
        row_number() over (partition by batch_id order by case when broken_rule is null then 0 else 1 end, inspected_at) as copy_number
    from typed
)

select
    *,
    coalesce(broken_rule, case when copy_number > 1 then 'duplicate' end) as reject_reason
from numbered
