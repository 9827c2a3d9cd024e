-- Each raw status event typed and given the first rule it breaks (null when clean).
with raw as (
    select
        s.event_id,
        s.equipment_id,
        {{utc "s.ts"}} as event_ts,
        s.event_type,
        s.status,
        s.error_code,
        s.maintenance_type,
        e.equipment_id is not null as known_equipment,
        row_number() over (partition by s.event_id order by s.ts) as copy_number
    from {{source "factory" "equipment_status"}} as s
    left join {{source "reference" "equipment"}} as e on e.equipment_id = s.equipment_id
)
select
    *,
    case
        when event_id is null then 'null_event_id'
        when equipment_id is null then 'null_equipment_id'
        when not known_equipment then 'unknown_equipment'
        when event_ts is null then 'null_timestamp'
        when event_type is null or event_type not in ('start', 'stop', 'failure', 'repair', 'maintenance_start', 'maintenance_end') then 'unknown_event_type'
        when status is null or status not in ('running', 'idle', 'error', 'maintenance') then 'unknown_status'
        when copy_number > 1 then 'duplicate'
    end as reject_reason
from raw
