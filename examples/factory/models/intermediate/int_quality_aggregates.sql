{{config materialized="table"}}
-- Inspections per machine and UTC day: batches and units by class, and what could be sold.
select
    q.equipment_id,
    {{date_key "q.inspected_at"}} as date_key,
    count(*) as batches,
    sum(q.units_produced) as units_produced,
    sum(case when t.is_sellable then q.units_produced else 0 end) as sellable_units,
    count(case when q.defect_class = 'Good' then 1 end) as good_batches,
    count(case when q.defect_class = 'Minor Defect' then 1 end) as minor_defect_batches,
    count(case when q.defect_class = 'Major Defect' then 1 end) as major_defect_batches,
    count(case when q.defect_class = 'Reject' then 1 end) as reject_batches,
    avg(q.process_temperature) as avg_process_temperature,
    avg(q.process_pressure) as avg_process_pressure
from {{ref "stg_quality_inspections"}} as q
join {{ref "dim_defect_types"}} as t on t.defect_class = q.defect_class
group by 1, 2
