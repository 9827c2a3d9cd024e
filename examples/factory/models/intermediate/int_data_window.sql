-- The span the streams cover: from midnight of the first reading's day to the newest reading.
-- Marts count "the last 24 hours" back from as_of rather than from the clock, so a replayed or
-- finished dataset still means something.
select
    date_trunc('day', min(reading_ts)) as window_start,
    max(reading_ts) as as_of
from {{ref "stg_sensor_readings"}}
