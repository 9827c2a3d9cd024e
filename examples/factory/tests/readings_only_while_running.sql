-- The three topics tell one story: a machine that is idle, broken or in maintenance sends no
-- readings. A reading's time may trail its step by up to a minute, hence the two minutes' grace.
select r.reading_id, r.equipment_id, r.reading_ts, s.state, s.started_at, s.ended_at
from {{ref "stg_sensor_readings"}} as r
join {{ref "int_equipment_state_intervals"}} as s
    on s.equipment_id = r.equipment_id
    and s.state <> 'running'
    and r.reading_ts > s.started_at + interval '2' minute
    and r.reading_ts < s.ended_at
