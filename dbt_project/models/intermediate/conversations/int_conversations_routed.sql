{#-
    Route each kept conversation to one of the five curriculum stages. Policy rules win over the
    registry's stage_policy, in this order: edge cases -> edge_cases only; safety-only families
    (reddit safety) -> safety_dpo only; foundation-only families (curated/priority) -> foundation
    only. Then an explicit stage_policy; `auto` sends chain-of-thought to reasoning and the rest
    to foundation. Reads one row per near-duplicate cluster (its representative).
    A narrow table like int_conversations_near_deduped: its tests read a table; no model after
    normalization copies the messages (int_conversations_normalized holds them).
-#}
with

conversations as (

    select * from {{ ref('int_conversations_near_deduped') }}

),

stages as (

    select * from {{ ref('stage_policy') }}

),

routed as (

    select
        *,
        case
            when is_training_edge_case then 'edge_cases'
            when source_family in {{ sql_string_list(var('safety_only_families')) }} then 'safety_dpo'
            when source_family in {{ sql_string_list(var('foundation_only_families')) }} then 'foundation'
            when stage_policy <> 'auto' then stage_policy
            when record_format = 'cot' then 'reasoning'
            else 'foundation'
        end as stage

    from conversations

),

with_stage_number as (

    select
        routed.*,
        stages.stage_number

    from routed
    inner join stages
        on routed.stage = stages.stage

)

select * from with_stage_number
