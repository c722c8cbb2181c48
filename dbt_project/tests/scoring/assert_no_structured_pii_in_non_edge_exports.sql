{#-
    No unredacted PII of the structured kinds (email, phone, SSN, payment card, IBAN, Chinese
    mobile, national and health IDs) in any exported non-edge-case conversation or preference
    pair. The patterns here are written independently of the Python detector
    (python_models/scoring/pii.py) so that one checks the other; a card number must also pass
    the Luhn check, an IBAN mod-97, a Chinese resident ID and an NHS number their check digit;
    toll-free helplines are not personal numbers. Returns the record id and the kind found
    (never the text).
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

all_texts as (

    select * from conversation_texts
    union all
    select * from pair_texts

),

texts as (

    {#-
        One pass over every text: each pattern below holds one of these as a part (email: an @;
        phone: 3 digits, a separator, 4 digits; SSN; card: 13 digits or more, which also covers
        the resident ID's 18; IBAN: 2 letters and 2 digits; NHS: "nhs"; Chinese mobile), so a
        text matching none cannot match any, and the checks below read only what is left (at 1 M
        records: none of 3.3 M texts). tests/scoring/test_pii_gate_sql.py plants each kind alone.
        Every check below needs an @ or a digit: `contains` (a byte search, several times faster
        than a regex match) drops the texts holding neither first (61% of the text bytes on the
        300 k sample lake), so the regex reads only the rest.
    -#}
    select * from all_texts
    where
        (
            contains(content, '@') or contains(content, '0') or contains(content, '1')
            or contains(content, '2') or contains(content, '3') or contains(content, '4')
            or contains(content, '5') or contains(content, '6') or contains(content, '7')
            or contains(content, '8') or contains(content, '9')
        )
        and regexp_matches(
            content,
            '@|\d{3}[ .-]\d{4}|\d{3}-\d{2}-\d{4}|(?:\d[ -]?){12,18}\d|[A-Za-z]{2}[0-9]{2}'
            || '|(?i:nhs)|1[3-9][0-9][- ]?[0-9]{4}[- ]?[0-9]{4}'
        )

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

iban_candidates as (

    select
        record_kind,
        record_id,
        upper(regexp_replace(unnest(regexp_extract_all(
            content, '\b[A-Za-z]{2}[0-9]{2}(?: ?[A-Za-z0-9]{4}){2,7}(?: ?[A-Za-z0-9]{1,4})?\b'
        )), ' ', '', 'g')) as iban
    from texts

),

ibans as (

    select
        record_kind,
        record_id,
        'iban' as pii_kind
    from iban_candidates
    {#- mod-97 over the IBAN rotated by four, letters counting as 10..35 #}
    where list_reduce(
            list_transform(
                string_split(substr(iban, 5) || substr(iban, 1, 4), ''),
                c -> case when c between '0' and '9' then c::int else ascii(c) - 55 end
            ),
            (acc, v) -> (acc * case when v >= 10 then 100 else 10 end + v) % 97
        ) = 1

),

resident_id_candidates as (

    select
        record_kind,
        record_id,
        upper(unnest(regexp_extract_all(
            content, '(?:^|[^0-9A-Za-z])([1-9][0-9]{16}[0-9Xx])(?:$|[^0-9A-Za-z])', 1
        ))) as resident_id
    from texts

),

resident_ids as (

    select
        record_kind,
        record_id,
        'national_id' as pii_kind
    from resident_id_candidates
    {#- GB 11643-1999: weighted sum of the first 17 digits mod 11 picks the check character #}
    where substr(
            '10X98765432',
            list_sum(
                list_transform(
                    range(17),
                    i -> substr(resident_id, i + 1, 1)::int
                    * [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2][i + 1]
                )
            )::bigint % 11 + 1,
            1
        ) = substr(resident_id, 18, 1)

),

nhs_candidates as (

    select
        record_kind,
        record_id,
        regexp_replace(unnest(regexp_extract_all(
            content, '(?i)\bnhs\b[^0-9\n]{0,25}([0-9]{3}[ -]?[0-9]{3}[ -]?[0-9]{4})\b', 1
        )), '[^0-9]', '', 'g') as digits
    from texts

),

nhs_numbers as (

    select
        record_kind,
        record_id,
        'national_id' as pii_kind
    from nhs_candidates
    {#- modulus 11: weights 10..2 over the first nine digits; 11 means 0, 10 is never issued #}
    where (
        11 - list_sum(
            list_transform(range(9), i -> substr(digits, i + 1, 1)::int * (10 - i))
        ) % 11
    ) % 11 = substr(digits, 10, 1)::int

),

chinese_mobiles as (

    select
        record_kind,
        record_id,
        'phone' as pii_kind
    from texts
    where regexp_matches(
            content, '(?:^|[^0-9+])(?:\+?86[- ]?)?1[3-9][0-9][- ]?[0-9]{4}[- ]?[0-9]{4}(?:$|[^0-9])'
        )

),

found as (

    select * from emails
    union all
    select * from phones
    union all
    select * from ssns
    union all
    select * from cards
    union all
    select * from ibans
    union all
    select * from resident_ids
    union all
    select * from nhs_numbers
    union all
    select * from chinese_mobiles

)

select distinct * from found
