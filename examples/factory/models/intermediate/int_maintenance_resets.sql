-- Every time a machine's wear was reset: work orders completed before the streams (history)
-- and repairs and planned maintenance completed in them.
select equipment_id, {{utc "completed_at"}} as reset_at, maintenance_type
from {{source "reference" "maintenance_history"}}
union all
select equipment_id, event_ts, case event_type when 'repair' then 'corrective' else 'planned' end
from {{ref "stg_equipment_events"}}
where event_type in ('repair', 'maintenance_end')
