{#-
    No exported preference pair teaches nothing: chosen and rejected are both non-empty and differ
    once whitespace is folded (curated pairs are filtered before export; built pairs never are).
-#}
select
    pair_id,
    pair_origin,
    source_dataset
from {{ ref('preference_pairs') }}
where coalesce({{ fold_whitespace('chosen') }}, '') = ''
    or coalesce({{ fold_whitespace('rejected') }}, '') = ''
    or {{ fold_whitespace('chosen') }} = {{ fold_whitespace('rejected') }}
