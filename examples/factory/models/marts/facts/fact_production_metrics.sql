-- OEE per machine and UTC day = availability × performance × quality:
--   availability: running time / planned time (observed time less planned maintenance; idle
--                 stretches and failures count as losses);
--   performance:  units made / units the ideal rate gives in the hours produced (each inspected
--                 batch is one hour of running);
--   quality:      sellable units (Good and Minor Defect batches) / units made.
-- Days a machine made nothing have no performance or quality, and so no OEE.
select
    s.equipment_id,
    s.date_key,
    e.plant_id,
    s.observed_minutes,
    s.running_minutes,
    s.idle_minutes,
    s.error_minutes,
    s.maintenance_minutes,
    s.error_minutes + s.maintenance_minutes as downtime_minutes,
    coalesce(q.batches, 0) as batches,
    coalesce(q.units_produced, 0) as units_produced,
    coalesce(q.sellable_units, 0) as sellable_units,
    case when s.running_minutes > 0 then coalesce(q.units_produced, 0) / (cast(s.running_minutes as double) / 60) end as throughput_per_hour,
    cast(s.running_minutes as double) / nullif(s.observed_minutes - s.maintenance_minutes, 0) as availability,
    q.units_produced / nullif(cast(q.batches * e.ideal_rate_per_hour as double), 0) as performance,
    cast(q.sellable_units as double) / nullif(q.units_produced, 0) as quality,
    (cast(s.running_minutes as double) / nullif(s.observed_minutes - s.maintenance_minutes, 0))
        * (q.units_produced / nullif(cast(q.batches * e.ideal_rate_per_hour as double), 0))
        * (cast(q.sellable_units as double) / nullif(q.units_produced, 0)) as oee
from {{ref "int_equipment_daily_states"}} as s
join {{ref "dim_equipment"}} as e on e.equipment_id = s.equipment_id
left join {{ref "int_quality_aggregates"}} as q on q.equipment_id = s.equipment_id and q.date_key = s.date_key
