{#-
    Every utterance row of a session transcript placed in its session and turn, or given the
    reason it cannot be used (docs/curriculum.md, "Sessions"). A session is a session id within
    one file. Its rows are ordered by timestamp, ties by file line; a row with a blank timestamp
    takes the time of the session's row before it in the file (so untimed rows keep their file
    position), the first such row goes first. A speaker's role: the dataset's speaker map
    (registry field_map `speaker_roles`; of two keys that differ only in case the later wins)
    first, then the role_aliases seed, both case-insensitive after trimming. Consecutive rows of one role are one turn (gaps and
    islands); inside a turn a row follows the row before it after a space when the speaker is
    the same, after a blank line when another speaker of that role takes over.

    Quarantined on its own: a row without session id or speaker (`missing_field`), with blank
    text (`empty_content`), with a timestamp that is neither seconds, a clock offset
    (`[h:]mm:ss[.fff]`) nor ISO-8601 (`invalid_timestamp`). Quarantined with its whole session:
    a speaker that maps to no role (`unknown_role`), no assistant turn (`no_assistant_turn`),
    no user turn (`no_user_turn`).
-#}
with

{# `not materialized`: read more than once below, DuckDB would copy every column (the text too) #}
utterances as not materialized (

    select * from {{ ref('stg_lake__utterance_rows') }}

),

role_aliases as (

    select
        lower(trim(role_alias)) as role_alias,
        canonical_role
    from {{ ref('role_aliases') }}

),

speaker_maps as (

    select distinct speaker_roles
    from utterances
    where speaker_roles is not null

),

speaker_map_lists as (

    select
        speaker_roles,
        map_entries(try_cast(speaker_roles::json as map (varchar, varchar))) as entries
    from speaker_maps

),

speaker_map_positions as (

    select
        speaker_roles,
        entries,
        generate_subscripts(entries, 1) as entry_index
    from speaker_map_lists

),

speaker_map_entries as (

    select
        speaker_roles,
        lower(regexp_replace(entries[entry_index].key, '^\s+|\s+$', '', 'g')) as speaker_key,
        entries[entry_index].value as mapped_role
    from speaker_map_positions

    qualify row_number() over (
            partition by speaker_roles, speaker_key
            order by entry_index desc
        ) = 1

),

trimmed as (

    select
        *,
        nullif(regexp_replace(session_id, '^\s+|\s+$', '', 'g'), '') as session_key,
        nullif(regexp_replace(speaker, '^\s+|\s+$', '', 'g'), '') as speaker_name,
        nullif(regexp_replace(utterance_text, '^\s+|\s+$', '', 'g'), '') as turn_text,
        nullif(
            trim(regexp_replace(utterance_timestamp, '^\s+|\s+$', '', 'g'), '[]()'), ''
        ) as timestamp_text

    from utterances

),

parsed_timestamps as (

    select
        *,
        coalesce(
            try_cast(timestamp_text as double),
            case
                when regexp_matches(timestamp_text, '^(\d+:)?\d{1,2}:\d{1,2}([.,]\d+)?$')
                    then
                        coalesce(try_cast(regexp_extract(timestamp_text, '^(\d+):\d+:', 1) as double), 0)
                        * 3600
                        + regexp_extract(timestamp_text, '(\d+):[\d.,]+$', 1)::double * 60
                        + replace(regexp_extract(timestamp_text, ':([\d.,]+)$', 1), ',', '.')::double
            end,
            epoch(try_cast(replace(timestamp_text, 'Z', '+00:00') as timestamptz))
        ) as parsed_seconds

    from trimmed

),

mapped_speakers as (

    select
        parsed_timestamps.*,
        lower(regexp_replace(
            coalesce(speaker_map_entries.mapped_role, parsed_timestamps.speaker_name),
            '^\s+|\s+$', '', 'g'
        )) as role_key

    from parsed_timestamps
    left join speaker_map_entries
        on parsed_timestamps.speaker_roles = speaker_map_entries.speaker_roles
            and lower(parsed_timestamps.speaker_name) = speaker_map_entries.speaker_key

),

row_checks as (

    select
        mapped_speakers.*,
        case
            when mapped_speakers.parse_error is not null then mapped_speakers.parse_error
            when mapped_speakers.session_key is null or mapped_speakers.speaker_name is null
                then 'missing_field'
            when mapped_speakers.turn_text is null then 'empty_content'
            when mapped_speakers.timestamp_text is not null and mapped_speakers.parsed_seconds is null
                then 'invalid_timestamp'
        end as row_error,
        role_aliases.canonical_role as role

    from mapped_speakers
    left join role_aliases on mapped_speakers.role_key = role_aliases.role_alias

),

timed_rows as (

    select
        *,
        coalesce(
            last_value(parsed_seconds ignore nulls) over (
                partition by source_file, session_key
                order by source_line
                rows between unbounded preceding and current row
            ),
            '-inf'::double
        ) as utterance_seconds

    from row_checks
    where row_error is null

),

ordered_rows as (

    select
        *,
        row_number() over (
            partition by source_file, session_key
            order by utterance_seconds, source_line
        ) as session_position

    from timed_rows

),

sessions_checked as (

    select
        *,
        case
            when bool_or(role is null) over (partition by source_file, session_key)
                then 'unknown_role'
            when not bool_or(role = 'assistant') over (partition by source_file, session_key)
                then 'no_assistant_turn'
            when not bool_or(role = 'user') over (partition by source_file, session_key)
                then 'no_user_turn'
        end as session_error,
        lag(role) over (
            partition by source_file, session_key order by session_position
        ) as previous_role,
        lag(speaker_name) over (
            partition by source_file, session_key order by session_position
        ) as previous_speaker

    from ordered_rows

),

turns_marked as (

    select
        *,
        coalesce(role <> previous_role, true) as is_turn_start,
        case
            when coalesce(role <> previous_role, true) then 'first'
            when speaker_name = previous_speaker then 'same_speaker'
            else 'another_speaker'
        end as turn_join

    from sessions_checked

),

turns_numbered as (

    select
        *,
        sum(is_turn_start::integer) over (
            partition by source_file, session_key
            order by session_position
            rows between unbounded preceding and current row
        ) - 1 as turn_index

    from turns_marked

),

final as (

    select
        utterances.source_dataset,
        utterances.record_format,
        utterances.source_file,
        utterances.source_line,
        utterances.container,
        utterances.compression,
        utterances.raw_bytes,
        utterances.raw_record,
        coalesce(row_checks.row_error, turns_numbered.session_error) as quarantine_reason,
        turns_numbered.session_key as session_id,
        turns_numbered.speaker_name as speaker,
        turns_numbered.role,
        turns_numbered.utterance_seconds,
        turns_numbered.session_position,
        turns_numbered.turn_index,
        turns_numbered.turn_join,
        turns_numbered.turn_text

    from utterances
    inner join row_checks
        on utterances.source_file = row_checks.source_file
            and utterances.source_line = row_checks.source_line
    left join turns_numbered
        on utterances.source_file = turns_numbered.source_file
            and utterances.source_line = turns_numbered.source_line

)

select * from final
