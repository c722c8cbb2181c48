{#-
    The conversations the build's category model is fitted on: those that carry a category, at
    most var category_fit_rows_per_category per category, drawn by a hash of the conversation id
    (the same sample on every run), with the text the model embeds. None with scoring_enabled
    false: no model is fitted then.
-#}
with

conversations as (

    select * from {{ ref('int_conversations_split') }}

),

texts as (

    select * from {{ ref('int_conversations_embedding_texts') }}

),

categorized as (

    select
        conversations.conversation_id,
        conversations.category,
        texts.embedding_text

    from conversations
    inner join texts
        on conversations.conversation_id = texts.conversation_id
    where
        {{ var_flag('scoring_enabled') }}
        and conversations.category is not null
        and conversations.category <> 'uncategorized'

),

sampled as (

    select * from categorized
    qualify row_number() over (
            partition by category
            order by md5(conversation_id)
        ) <= {{ var('category_fit_rows_per_category') }}

)

select * from sampled
