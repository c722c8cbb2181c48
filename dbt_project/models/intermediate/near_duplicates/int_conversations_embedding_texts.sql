{#-
    What near-duplicate detection embeds, per kept conversation: the user and assistant turns
    (system prompts left out, role names left out), whitespace folded, one turn per line; and the
    two sides on their own for the side-by-side check. Equal to
    python_models.embeddings.texts.conversation_text / side_texts (a test holds them equal), so the
    embedding cache, keyed by conversation id, serves the scorers too. Only near-duplicate
    detection and scoring read the texts: with both switched off they are null (every key is
    still listed, for int_conversations_linked), and the messages are not read.
    The messages are joined from int_conversations_normalized (int_conversations_deduped is
    narrow) on source_file and source_line.
-#}
{%- set texts_needed = var_flag('near_dup_enabled') == 'true' or var_flag('scoring_enabled') == 'true' %}
with

conversations as (

    select
        deduped.conversation_id,
        {% if texts_needed -%}
            normalized.messages
        {%- else -%}
            null::struct(role varchar, content varchar)[] as messages
        {%- endif %}

    from {{ ref('int_conversations_deduped') }} as deduped
    {% if texts_needed -%}
        inner join {{ ref('int_conversations_normalized') }} as normalized
            on deduped.source_file = normalized.source_file
                and deduped.source_line = normalized.source_line
    {%- endif %}

),

folded as (

    -- each message's whitespace folded once, for the three texts below
    select
        conversation_id,
        list_transform(
            messages, m -> { 'role': m.role, 'content': {{ fold_whitespace('m.content') }} }
        ) as messages

    from conversations

),

texts as (

    select
        conversation_id,
        case when {{ texts_needed }} then
                array_to_string(
                    list_transform(list_filter(messages, m -> m.role <> 'system'), m -> m.content),
                    chr(10)
                )
        end as embedding_text,
        case when {{ texts_needed }} then
                array_to_string(
                    list_transform(list_filter(messages, m -> m.role = 'user'), m -> m.content),
                    chr(10)
                )
        end as user_text,
        case when {{ texts_needed }} then
                array_to_string(
                    list_transform(list_filter(messages, m -> m.role = 'assistant'), m -> m.content),
                    chr(10)
                )
        end as assistant_text

    from folded

)

select * from texts
