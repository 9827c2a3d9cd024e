-- Minutes per machine, UTC day and state: each state stretch split at midnights. Whole seconds
-- are summed and divided once, so a day's states add up to exactly 1440 minutes.
with days as (
    select calendar_date, date_key, cast(calendar_date as timestamp) as day_start, cast(calendar_date as timestamp) + interval '1' day as day_end
    from {{ref "dim_date"}}
),

pieces as (
    select
        s.equipment_id,
        d.date_key,
        s.state,
        date_diff('second', greatest(s.started_at, d.day_start), least(s.ended_at, d.day_end)) as seconds
    from {{ref "int_equipment_state_intervals"}} as s
    join days as d on s.started_at < d.day_end and s.ended_at > d.day_start
)

select
    equipment_id,
    date_key,
    sum(seconds) / 60.0e0 as observed_minutes,
    coalesce(sum(case when state = 'running' then seconds end), 0) / 60.0e0 as running_minutes,
    coalesce(sum(case when state = 'idle' then seconds end), 0) / 60.0e0 as idle_minutes,
    coalesce(sum(case when state = 'error' then seconds end), 0) / 60.0e0 as error_minutes,
    coalesce(sum(case when state = 'maintenance' then seconds end), 0) / 60.0e0 as maintenance_minutes
from pieces
group by 1, 2
