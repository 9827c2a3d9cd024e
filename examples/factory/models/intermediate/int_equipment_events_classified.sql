-- Each raw status event typed and given the first rule it breaks (null when clean). Of several
-- copies of one event id a clean one is kept, so a garbled resend never costs a state change.
with typed as (
    select
        s.event_id,
        s.equipment_id,
        {{utc "s.ts"}} as event_ts,
        s.event_type,
        s.status,
        s.error_code,
        s.maintenance_type,
        case
            when s.event_id is null then 'null_event_id'
            when s.equipment_id is null then 'null_equipment_id'
            when e.equipment_id is null then 'unknown_equipment'
            when s.ts is null then 'null_timestamp'
            when s.event_type is null or s.event_type not in ('start', 'stop', 'failure', 'repair', 'maintenance_start', 'maintenance_end') then 'unknown_event_type'
            when s.status is null or s.status not in ('running', 'idle', 'error', 'maintenance') then 'unknown_status'
        end as broken_rule
    from {{source "factory" "equipment_status"}} as s
    left join {{source "reference" "equipment"}} as e on e.equipment_id = s.equipment_id
),

numbered as (
    select
        *,
        row_number() over (partition by event_id order by case when broken_rule is null then 0 else 1 end, event_ts) as copy_number
    from typed
)

select
    *,
    coalesce(broken_rule, case when copy_number > 1 then 'duplicate' end) as reject_reason
from numbered
