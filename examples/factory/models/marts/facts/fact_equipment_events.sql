-- Every machine event with its date key and how long the state it started lasted (until the
-- next event, or as_of for the latest).
select
    s.event_id,
    s.equipment_id,
    {{date_key "s.event_ts"}} as date_key,
    s.event_ts,
    s.event_type,
    s.status,
    s.error_code,
    s.maintenance_type,
    s.event_type = 'failure' as is_failure,
    date_diff('second', s.event_ts, coalesce(
        lead(s.event_ts) over (partition by s.equipment_id order by s.event_ts, s.event_id),
        greatest(w.as_of, s.event_ts)
    )) / 60.0e0 as state_minutes
from {{ref "stg_equipment_events"}} as s
cross join {{ref "int_data_window"}} as w
