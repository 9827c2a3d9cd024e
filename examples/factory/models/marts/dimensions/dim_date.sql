-- One row per UTC day that has any reading, status event or inspection.
with days as (
    select distinct cast(reading_ts as date) as calendar_date from {{ref "stg_sensor_readings"}}
    union
    select distinct cast(event_ts as date) from {{ref "stg_equipment_events"}}
    union
    select distinct cast(inspected_at as date) from {{ref "stg_quality_inspections"}}
)

select
    {{date_key "calendar_date"}} as date_key,
    calendar_date,
    year(calendar_date) as year,
    month(calendar_date) as month,
    day(calendar_date) as day_of_month,
    {{iso_weekday "calendar_date"}} as iso_weekday,
    {{iso_weekday "calendar_date"}} >= 6 as is_weekend
from days
