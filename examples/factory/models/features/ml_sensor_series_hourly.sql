{{config materialized="view"}}
-- The forecasting input: each machine's hourly mean temperature and vibration (hours it did not
-- run are absent; a forecaster fills such gaps).
select equipment_id, hour, temperature_mean, vibration_mean, readings
from {{ref "int_equipment_metrics_hourly"}}
