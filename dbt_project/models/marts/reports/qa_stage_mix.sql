{#- Target vs actual share of each curriculum stage, overall and per split. -#}
with

stages as (

    select * from {{ ref('stage_policy') }}

),

conversations as (

    select * from {{ ref('conversations') }}

),

pairs as (

    select * from {{ ref('preference_pairs') }}

),

exported as (

    select
        stage,
        split
    from conversations

    union all

    select
        stage,
        split
    from pairs

),

counts_per_stage as (

    select
        stage,
        count(*) as records,
        count(*) filter (where split = 'train') as train_records,
        count(*) filter (where split = 'val') as val_records,
        count(*) filter (where split = 'test') as test_records

    from exported
    group by stage

),

mix as (

    select
        stages.stage_number,
        stages.stage,
        stages.target_share,
        coalesce(counts_per_stage.records, 0) as records,
        coalesce(counts_per_stage.records, 0) / nullif(sum(coalesce(counts_per_stage.records, 0)) over (), 0)
            as actual_share,
        coalesce(counts_per_stage.train_records, 0) as train_records,
        coalesce(counts_per_stage.val_records, 0) as val_records,
        coalesce(counts_per_stage.test_records, 0) as test_records

    from stages
    left join counts_per_stage
        on stages.stage = counts_per_stage.stage

)

select * from mix
