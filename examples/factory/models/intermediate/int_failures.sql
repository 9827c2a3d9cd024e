-- Every failure known: the history's and the streams'.
select equipment_id, {{utc "failed_at"}} as failed_at, 'history' as origin
from {{source "reference" "failure_history"}}
union all
select equipment_id, event_ts, 'stream'
from {{ref "stg_equipment_events"}}
where event_type = 'failure'
