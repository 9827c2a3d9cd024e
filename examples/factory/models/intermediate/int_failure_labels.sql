{{config materialized="table"}}
-- The predictive-maintenance label per machine and hour it ran: did it fail within 7 days after
-- the hour ended? A "no" is only known once 7 days of data follow the hour (label_observed);
-- a "yes" is known as soon as the failure is.
with snapshots as (
    select equipment_id, hour, hour + interval '1' hour as snapshot_ts
    from {{ref "int_equipment_metrics_hourly"}}
),

next_failure as (
    select s.equipment_id, s.hour, s.snapshot_ts, min(f.event_ts) as next_failure_at
    from snapshots as s
    left join {{ref "stg_equipment_events"}} as f
        on f.equipment_id = s.equipment_id and f.event_type = 'failure' and f.event_ts > s.snapshot_ts
    group by 1, 2, 3
)

select
    n.equipment_id,
    n.hour,
    n.snapshot_ts,
    n.next_failure_at,
    case when n.next_failure_at <= n.snapshot_ts + interval '7' day then 1 else 0 end as failure_within_7_days,
    coalesce(n.next_failure_at <= n.snapshot_ts + interval '7' day, false) or n.snapshot_ts + interval '7' day <= w.as_of as label_observed
from next_failure as n
cross join {{ref "int_data_window"}} as w
