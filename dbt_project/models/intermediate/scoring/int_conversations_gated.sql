{#-
    Every kept conversation with its scores and the verdict of the quality gates of its stage
    (seeds/quality_thresholds.csv): a `min` gate fails below its threshold, a `max` gate above.
    `safety` gates never apply to edge cases, whatever the seed says: edge-case training data is
    meant to be disturbing. A null score (not applicable, e.g. no assistant turn answering a
    user; or scoring switched off) does not fail a gate. `failed_gates` lists every failing
    gate; `gate` is the one reported in `filtered` (safety first, then quality, then format,
    then by metric name).
    A conversation in a language one of its scorers does not support has those scores null
    (`unsupported_scorers`); var unsupported_language_policy decides: `keep_unscored` (the
    default: null scores fail no gate, the record is kept and its nulls say why) or `filter`
    (the record fails gate `unsupported_language`, reported first, reason `unsupported_language`
    in `filtered`).
    Narrow: no messages. The redacted messages stay in int_conversations_scored (the mart
    `conversations` joins them), the original ones in int_conversations_normalized (by
    source_file and source_line); neither is written again here.
-#}
{%- set unsupported_language_policy = var('unsupported_language_policy') -%}
{%- if unsupported_language_policy not in ('keep_unscored', 'filter') -%}
    {{ exceptions.raise_compiler_error(
        "var unsupported_language_policy must be keep_unscored or filter, got "
        ~ unsupported_language_policy
    ) }}
{%- endif %}
with

{#
    `not materialized`: scored and gate_inputs both read these two tables; a CTE read twice
    is materialized by DuckDB, which would copy every column of int_conversations_scored (the
    redacted messages too) before the join. Each reader scans the table for the columns it
    needs instead.
#}
conversations as not materialized (

    select * from {{ ref('int_conversations_split') }}

),

scores as not materialized (

    select * from {{ ref('int_conversations_scored') }}

),

thresholds as (

    select * from {{ ref('quality_thresholds') }}
    where comparison in ('min', 'max')

),

scored as (

    select
        conversations.* exclude (category),
        conversations.category as original_category,
        coalesce(scores.scored_category, conversations.category) as category,
        scores.* exclude (scores.conversation_id, scores.redacted_messages, scores.scored_category)

    from conversations
    inner join scores on conversations.conversation_id = scores.conversation_id

),

gate_inputs as (

    {#- the verdicts need a few columns only: joined apart from the scored rows (joined once, in final) #}
    select
        conversations.conversation_id,
        conversations.stage,
        conversations.is_training_edge_case,
        scores.empathy_score,
        scores.safety_score,
        scores.bias_score,
        scores.completeness_score,
        scores.coherence_score,
        scores.crisis_score,
        scores.unsupported_scorers

    from conversations
    inner join scores on conversations.conversation_id = scores.conversation_id

),

checks as (

    select
        gate_inputs.conversation_id,
        thresholds.metric,
        thresholds.comparison,
        thresholds.threshold,
        thresholds.gate_kind,
        case thresholds.metric
            when 'empathy_score' then gate_inputs.empathy_score
            when 'safety_score' then gate_inputs.safety_score
            when 'bias_score' then gate_inputs.bias_score
            when 'completeness_score' then gate_inputs.completeness_score
            when 'coherence_score' then gate_inputs.coherence_score
            when 'crisis_score' then gate_inputs.crisis_score
        end::double as score

    from gate_inputs
    inner join thresholds on gate_inputs.stage = thresholds.stage
    where not (gate_inputs.is_training_edge_case and thresholds.gate_kind = 'safety')

),

score_failures as (

    select
        *,
        (case gate_kind when 'safety' then 1 when 'quality' then 2 else 3 end)::varchar
        || ':' || metric as gate_rank
    from checks
    where
        (comparison = 'min' and score < threshold)
        or (comparison = 'max' and score > threshold)

),

language_failures as (

    select
        conversation_id,
        'unsupported_language' as metric,
        'required' as comparison,
        null::double as threshold,
        'format' as gate_kind,
        null::double as score,
        '0:unsupported_language' as gate_rank
    from gate_inputs
    where
        {{ 'true' if unsupported_language_policy == 'filter' else 'false' }}
        and len(coalesce(unsupported_scorers, []::varchar[])) > 0

),

failures as (

    select * from score_failures
    union all by name
    select * from language_failures

),

verdicts as (

    select
        conversation_id,
        list(metric order by gate_rank) as failed_gates,
        arg_min(metric, gate_rank) as gate,
        arg_min(gate_kind, gate_rank) as gate_kind,
        arg_min(comparison, gate_rank) as gate_comparison,
        arg_min(threshold, gate_rank) as gate_threshold,
        arg_min(score, gate_rank) as gate_score
    from failures
    group by conversation_id

),

final as (

    select
        scored.*,
        verdicts.conversation_id is null as gate_passed,
        coalesce(verdicts.failed_gates, []::varchar[]) as failed_gates,
        verdicts.gate,
        verdicts.gate_kind,
        verdicts.gate_comparison,
        verdicts.gate_threshold,
        verdicts.gate_score

    from scored
    left join verdicts on scored.conversation_id = verdicts.conversation_id

)

select * from final
