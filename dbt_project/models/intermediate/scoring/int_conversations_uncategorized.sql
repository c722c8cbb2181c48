{#-
    The conversations the build's category model predicts a category for: those without one
    (null or 'uncategorized'), with the text the model embeds. None with scoring_enabled false:
    nothing is predicted then.
-#}
with

conversations as (

    select * from {{ ref('int_conversations_split') }}

),

texts as (

    select * from {{ ref('int_conversations_embedding_texts') }}

),

uncategorized as (

    select
        conversations.conversation_id,
        texts.embedding_text

    from conversations
    inner join texts
        on conversations.conversation_id = texts.conversation_id
    where
        {{ var_flag('scoring_enabled') }}
        and (conversations.category is null or conversations.category = 'uncategorized')

)

select * from uncategorized
