{{config materialized="incremental" unique_key="event_id"}}
-- One row per valid machine status event, picked by id on incremental runs (late events).
select
    event_id,
    equipment_id,
    event_ts,
    event_type,
    status,
    error_code,
    maintenance_type
from {{ref "int_equipment_events_classified"}}
where reject_reason is null
{{#if (is_incremental)}}
  and event_id not in (select event_id from {{this}})
{{/if}}
