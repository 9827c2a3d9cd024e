-- The span the streams cover: from midnight of the first day with any reading, event or
-- inspection to the newest of them (as_of). Marts count "the last 24 hours" back from as_of
-- rather than from the clock, so a replayed or finished dataset still means something, and a
-- machine's last state lasts until as_of even when one topic lags behind the others.
with bounds as (
    select min(reading_ts) as first_at, max(reading_ts) as last_at from {{ref "stg_sensor_readings"}}
    union all
    select min(event_ts), max(event_ts) from {{ref "stg_equipment_events"}}
    union all
    select min(inspected_at), max(inspected_at) from {{ref "stg_quality_inspections"}}
)

select
    date_trunc('day', min(first_at)) as window_start,
    max(last_at) as as_of
from bounds
