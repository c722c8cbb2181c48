{{ config(materialized='view') }}
{#-
    What the scoring model reads: every conversation kept after near-duplicate dedup with its
    messages and category. int_conversations_split is narrow: the messages are joined from
    int_conversations_normalized on source_file and source_line. A view: the scoring model is
    its one reader, and it streams it once in conversation_id order.
-#}
with

conversations as (

    select * from {{ ref('int_conversations_split') }}

),

normalized as (

    select * from {{ ref('int_conversations_normalized') }}

),

scoring_input as (

    select
        conversations.conversation_id,
        normalized.messages,
        conversations.category

    from conversations
    inner join normalized
        on conversations.source_file = normalized.source_file
            and conversations.source_line = normalized.source_line

)

select * from scoring_input
