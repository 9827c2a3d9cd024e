{{config materialized="table"}}
-- Every raw message staging refused, from all three topics, and the first rule it broke:
-- nothing is dropped silently. (Under Kafka, messages that are not even valid JSON or miss a
-- required field never get here: they are in the landing tables' _dead_letter tables.)
select 'equipment_sensors' as source_table, reading_id as record_id, equipment_id, reading_ts as record_ts, reject_reason
from {{ref "int_sensor_readings_classified"}}
where reject_reason is not null
union all
select 'equipment_status', event_id, equipment_id, event_ts, reject_reason
from {{ref "int_equipment_events_classified"}}
where reject_reason is not null
union all
select 'quality_metrics', batch_id, equipment_id, inspected_at, reject_reason
from {{ref "int_quality_inspections_classified"}}
where reject_reason is not null
