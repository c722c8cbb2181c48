{#-
    A histogram over [0, 1] of every score column of `conversations`, one row per (score, bin),
    empty bins included. The score columns are read from the mart's contract: every numeric
    column named *_score, empathy_* or crisis_*, except the per-mechanism EPITOME levels (0-2).
-#}
{%- set bins = var('qa_histogram_bins') -%}
{%- set score_columns = [] -%}
{%- if execute -%}
    {%- for column in graph.nodes['model.pixel.conversations'].columns.values() -%}
        {%- set is_named_as_score = (
            column.name.endswith('_score') or column.name.startswith(('empathy_', 'crisis_'))
        ) and not column.name.endswith('_level') -%}
        {%- if is_named_as_score and column.data_type.upper().startswith(('DOUBLE', 'FLOAT', 'DECIMAL', 'REAL')) -%}
            {%- do score_columns.append(column.name) -%}
        {%- endif -%}
    {%- endfor -%}
{%- endif %}
with

conversations as (

    select * from {{ ref('conversations') }}

),

score_columns as (

    select {{ score_columns | join(', ') }}
    from conversations

),

score_values as (

    unpivot score_columns
    on {{ score_columns | join(', ') }}
    into name score value score_value

),

binned_scores as (

    select
        score,
        greatest(0, least(floor(score_value * {{ bins }}), {{ bins - 1 }}))::integer as bin

    from score_values

),

records_per_bin as (

    select
        score,
        bin,
        count(*) as records

    from binned_scores
    group by score, bin

),

every_score_and_bin as (

    {%- for name in score_columns %}
        select
            '{{ name }}' as score,
            range::integer as bin
        from range({{ bins }})
        {% if not loop.last %}union all{% endif %}
    {%- endfor %}

),

histograms as (

    select
        every_score_and_bin.score,
        every_score_and_bin.bin,
        every_score_and_bin.bin / {{ bins }} as bin_lower,
        (every_score_and_bin.bin + 1) / {{ bins }} as bin_upper,
        coalesce(records_per_bin.records, 0) as records

    from every_score_and_bin
    left join records_per_bin
        on every_score_and_bin.score = records_per_bin.score
            and every_score_and_bin.bin = records_per_bin.bin

)

select * from histograms
