{#-
    Edge cases bypass every safety filter: no input record that is an edge case (by its registry
    row or by a copy's flag, as the warehouse carries it) appears in `filtered` for a safety gate,
    either by the gate kind the mart records or by the kind the seed gives that metric. Returns
    the offending filtered rows.
-#}
with

filtered as (

    select * from {{ ref('filtered') }}
    where record_kind = 'conversation'

),

edge_cases as (

    select
        source_file,
        source_line
    from {{ ref('int_conversations_split') }}
    where is_training_edge_case

),

safety_metrics as (

    select distinct metric from {{ ref('quality_thresholds') }}
    where gate_kind = 'safety'

),

offending as (

    select filtered.*

    from filtered
    inner join edge_cases
        on filtered.source_file = edge_cases.source_file
            and filtered.source_line = edge_cases.source_line
    where
        filtered.gate_kind = 'safety'
        or filtered.gate in (select safety_metrics.metric from safety_metrics)

)

select * from offending
