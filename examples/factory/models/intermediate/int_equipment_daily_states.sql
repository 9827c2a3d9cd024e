-- Minutes per machine, UTC day and state: each state stretch split at midnights.
with days as (
    select calendar_date, date_key, cast(calendar_date as timestamp) as day_start, cast(calendar_date as timestamp) + interval '1' day as day_end
    from {{ref "dim_date"}}
),

pieces as (
    select
        s.equipment_id,
        d.date_key,
        s.state,
        date_diff('second', greatest(s.started_at, d.day_start), least(s.ended_at, d.day_end)) / 60.0 as minutes
    from {{ref "int_equipment_state_intervals"}} as s
    join days as d on s.started_at < d.day_end and s.ended_at > d.day_start
)

select
    equipment_id,
    date_key,
    sum(minutes) as observed_minutes,
    coalesce(sum(case when state = 'running' then minutes end), 0) as running_minutes,
    coalesce(sum(case when state = 'idle' then minutes end), 0) as idle_minutes,
    coalesce(sum(case when state = 'error' then minutes end), 0) as error_minutes,
    coalesce(sum(case when state = 'maintenance' then minutes end), 0) as maintenance_minutes
from pieces
group by 1, 2
