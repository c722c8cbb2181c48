{#-
    The turns of every usable session (int_voice_utterances_placed): consecutive rows of one
    role joined in session order, with the session's provenance (its chronologically first
    row) and its voice (the assistant-side speakers in order of first appearance, joined by
    ` & `). int_voice_conversations windows each session by word budget.
-#}
with

placed as (

    select * from {{ ref('int_voice_utterances_placed') }}
    where quarantine_reason is null

),

assistant_speakers as (

    select
        source_file,
        session_id,
        speaker,
        min(session_position) as first_position
    from placed
    where role = 'assistant'
    group by source_file, session_id, speaker

),

session_speakers as (

    select
        source_file,
        session_id,
        string_agg(speaker, ' & ' order by first_position) as assistant_speakers
    from assistant_speakers
    group by source_file, session_id

),

session_openings as (

    select * from placed
    where session_position = 1

),

turns as (

    select
        source_file,
        session_id,
        turn_index,
        any_value(role) as role,
        string_agg(
            case turn_join
                when 'same_speaker' then ' '
                when 'another_speaker' then chr(10) || chr(10)
                else ''
            end || turn_text,
            '' order by session_position
        ) as content,
        list(source_line order by session_position) as input_lines

    from placed
    group by source_file, session_id, turn_index

),

final as (

    select
        session_openings.source_dataset,
        session_openings.record_format,
        turns.source_file,
        session_openings.container,
        session_openings.compression,
        turns.session_id,
        session_openings.source_line as session_first_line,
        session_speakers.assistant_speakers,
        turns.turn_index,
        turns.role,
        turns.content,
        turns.input_lines

    from turns
    inner join session_openings
        on turns.source_file = session_openings.source_file
            and turns.session_id = session_openings.session_id
    inner join session_speakers
        on turns.source_file = session_speakers.source_file
            and turns.session_id = session_speakers.session_id

)

select * from final
