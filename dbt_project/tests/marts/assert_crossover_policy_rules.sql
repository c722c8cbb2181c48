{#- SPEC item 9: edge cases only in stage 3; reddit safety only in stage 5; curated only in stage 1. -#}
select
    conversation_id,
    source_family,
    is_training_edge_case,
    stage
from {{ ref('conversations') }}
where (is_training_edge_case and stage <> 'edge_cases')
    or (
        not is_training_edge_case
        and source_family in {{ sql_string_list(var('safety_only_families')) }}
        and stage <> 'safety_dpo'
    )
    or (
        not is_training_edge_case
        and source_family in {{ sql_string_list(var('foundation_only_families')) }}
        and stage <> 'foundation'
    )
