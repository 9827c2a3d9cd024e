{{config materialized="table"}}
-- Each machine's time cut into stretches of one state (running, idle, error, maintenance), from
-- its status events: a stretch lasts until the next event, the last one until as_of. Before a
-- machine's first event in the window its state is the one that event leaves (a start leaves
-- idle, a repair error, a maintenance end maintenance; anything else running).
with events as (
    select
        equipment_id,
        event_ts,
        event_type,
        status,
        lead(event_ts) over (partition by equipment_id order by event_ts, event_id) as next_event_ts,
        row_number() over (partition by equipment_id order by event_ts, event_id) as event_number
    from {{ref "stg_equipment_events"}}
),

window_bounds as (
    select * from {{ref "int_data_window"}}
),

before_first as (
    select
        e.equipment_id,
        case e.event_type
            when 'start' then 'idle'
            when 'repair' then 'error'
            when 'maintenance_end' then 'maintenance'
            else 'running'
        end as state,
        w.window_start as started_at,
        e.event_ts as ended_at
    from events as e
    cross join window_bounds as w
    where e.event_number = 1
),

after_each as (
    select
        e.equipment_id,
        e.status as state,
        e.event_ts as started_at,
        coalesce(e.next_event_ts, greatest(w.as_of, e.event_ts)) as ended_at
    from events as e
    cross join window_bounds as w
)

select equipment_id, state, started_at, ended_at
from before_first
where ended_at > started_at
union all
select equipment_id, state, started_at, ended_at
from after_each
where ended_at > started_at
