-- One row per plant, with how many machines it runs.
select
    p.plant_id,
    p.plant_name,
    p.city,
    p.country,
    p.opened_on,
    count(e.equipment_id) as equipment_count
from {{source "reference" "plants"}} as p
left join {{source "reference" "equipment"}} as e on e.plant_id = p.plant_id
group by 1, 2, 3, 4, 5
