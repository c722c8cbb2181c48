{#-
    No unredacted PII of the structured kinds (email, phone, SSN, payment card) in any exported
    non-edge-case conversation or preference pair. The patterns here are written independently
    of the Python detector (python_models/scoring/pii.py) so that one checks the other; a card
    number must also pass the Luhn check; toll-free helplines are not personal numbers. Returns the record id and the kind found (never the
    text).
-#}
with

conversation_texts as (

    select
        'conversation' as record_kind,
        conversation_id as record_id,
        unnest(list_transform(messages, m -> m.content)) as content
    from {{ ref('conversations') }}
    where not is_training_edge_case

),

pair_texts as (

    select
        'preference_pair' as record_kind,
        pair_id as record_id,
        unnest(
            list_transform(prompt_messages, m -> m.content) || [chosen, rejected]
        ) as content
    from {{ ref('preference_pairs') }}
    where not is_training_edge_case

),

texts as (

    select * from conversation_texts
    union all
    select * from pair_texts

),

emails as (

    select
        record_kind,
        record_id,
        'email' as pii_kind
    from texts
    where regexp_matches(content, '[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}')

),

phone_candidates as (

    select
        record_kind,
        record_id,
        regexp_replace(
            unnest(regexp_extract_all(
                content, '(\+?1[ .-]?)?(\(\d{3}\)\s?|\b\d{3}[ .-])\d{3}[ .-]\d{4}\b'
            )),
            '\D', '', 'g'
        ) as digits
    from texts

),

phones as (

    select
        record_kind,
        record_id,
        'phone' as pii_kind
    from phone_candidates
    {#- toll-free helplines (1-800-273-8255) are crisis resources, not a person's number #}
    where not regexp_matches(digits, '^1?8(00|33|44|55|66|77|88)\d{7}$')

),

ssns as (

    select
        record_kind,
        record_id,
        'ssn' as pii_kind
    from texts
    where regexp_matches(content, '\b\d{3}-\d{2}-\d{4}\b')

),

card_candidates as (

    select
        record_kind,
        record_id,
        regexp_replace(unnest(regexp_extract_all(content, '\b(?:\d[ -]?){12,18}\d\b')), '[ -]', '', 'g')
            as digits
    from texts
    where regexp_matches(content, '\b(?:\d[ -]?){12,18}\d\b')

),

cards as (

    select
        record_kind,
        record_id,
        'credit_card' as pii_kind
    from card_candidates
    where
        length(digits) between 13 and 19
        and list_sum(
            list_transform(
                range(length(digits)),
                i -> case
                    when i % 2 = 1
                        then (
                            (substr(digits, length(digits) - i, 1)::int * 2) // 10
                            + (substr(digits, length(digits) - i, 1)::int * 2) % 10
                        )
                    else substr(digits, length(digits) - i, 1)::int
                end
            )
        ) % 10 = 0

),

found as (

    select * from emails
    union all
    select * from phones
    union all
    select * from ssns
    union all
    select * from cards

)

select distinct * from found
