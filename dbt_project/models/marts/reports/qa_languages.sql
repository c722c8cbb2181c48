{#-
    The language mix: per detected language, conversations scored, exported, and kept out by the
    unsupported_language_policy, plus how many were left with unsupported (null) scores.
-#}
with

gated as (

    select * from {{ ref('int_conversations_gated') }}

),

languages as (

    select
        coalesce(language, 'none') as language,
        count(*) as conversations,
        count(*) filter (where gate_passed) as exported,
        count(*) filter (where gate = 'unsupported_language') as filtered_unsupported_language,
        count(*) filter (
            where gate_passed and len(coalesce(unsupported_scorers, []::varchar[])) > 0
        ) as exported_with_unsupported_scores

    from gated
    group by coalesce(language, 'none')

)

select * from languages
