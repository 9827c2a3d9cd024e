-- The inspection classes, their order of severity, and whether a batch in each counts as good output.
select defect_class, severity_rank, is_sellable, description
from {{source "reference" "defect_types"}}
