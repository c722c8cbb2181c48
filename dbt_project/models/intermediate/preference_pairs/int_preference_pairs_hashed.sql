with

pairs as (

    select * from {{ ref('int_preference_pairs_normalized') }}
    where quarantine_reason is null and filter_reason is null

),

hashed as (

    select
        sha256(
            {{ canonical_text('prompt_messages') }}
            || chr(29) || {{ fold_whitespace('chosen') }}
            || chr(29) || {{ fold_whitespace('rejected') }}
        ) as pair_hash,
        *

    from pairs

)

select * from hashed
