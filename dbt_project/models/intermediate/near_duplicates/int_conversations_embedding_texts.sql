{{ config(materialized='view') }}

{#-
    What near-duplicate detection embeds, per kept conversation: the user and assistant turns
    (system prompts left out, role names left out), whitespace folded, one turn per line; and the
    two sides on their own for the side-by-side check. Equal to
    python_models.embeddings.texts.conversation_text / side_texts (a test holds them equal), so the
    embedding cache, keyed by conversation id, serves the scorers too.
-#}
with

conversations as (

    select * from {{ ref('int_conversations_deduped') }}

),

texts as (

    select
        conversation_id,
        array_to_string(
            list_transform(
                list_filter(messages, m -> m.role <> 'system'),
                m -> {{ fold_whitespace('m.content') }}
            ),
            chr(10)
        ) as embedding_text,
        array_to_string(
            list_transform(
                list_filter(messages, m -> m.role = 'user'),
                m -> {{ fold_whitespace('m.content') }}
            ),
            chr(10)
        ) as user_text,
        array_to_string(
            list_transform(
                list_filter(messages, m -> m.role = 'assistant'),
                m -> {{ fold_whitespace('m.content') }}
            ),
            chr(10)
        ) as assistant_text

    from conversations

)

select * from texts
