-- Every staged unit is counted once in OEE and once in the quality dashboard.
with staged as (select sum(units_produced) as units from {{ref "stg_quality_inspections"}}),
     oee as (select sum(units_produced) as units from {{ref "fact_production_metrics"}}),
     dashboard as (select sum(units_produced) as units from {{ref "mart_quality_dashboard"}})
select staged.units as staged_units, oee.units as oee_units, dashboard.units as dashboard_units
from staged, oee, dashboard
where staged.units <> oee.units or staged.units <> dashboard.units
