with

pairs as (

    select * from {{ ref('int_preference_pairs_deduped') }}

),

split_assigned as (

    select
        *,
        'safety_dpo' as stage,
        5 as stage_number,
        {{ assign_split('pair_id', 'is_holdout') }} as split

    from pairs

)

select * from split_assigned
