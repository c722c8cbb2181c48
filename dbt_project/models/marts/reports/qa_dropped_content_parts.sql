{#- Per source dataset: message-list records whose content held non-text parts (images, audio), and how many parts were dropped. -#}
with

chatml as (

    select * from {{ ref('stg_lake__chatml_conversations') }}

),

sharegpt as (

    select * from {{ ref('stg_lake__sharegpt_conversations') }}

),

message_list_records as (

    select
        source_dataset,
        dropped_content_parts
    from chatml

    union all

    select
        source_dataset,
        dropped_content_parts
    from sharegpt

),

dropped_parts_per_dataset as (

    select
        source_dataset,
        count(*) as records_with_dropped_parts,
        sum(dropped_content_parts) as dropped_parts

    from message_list_records
    where dropped_content_parts > 0
    group by source_dataset

)

select * from dropped_parts_per_dataset
