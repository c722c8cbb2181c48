{#- One row describing the build: what lake, which seed and vars, which registry. Exports copy it into the config lock. -#}
with

registry as (

    select * from {{ ref('source_registry') }}

),

registry_fingerprint as (

    select
        sha256(
            string_agg(
                concat_ws(
                    chr(31), dataset, path_glob, format, coalesce(field_map, ''), source_family,
                    tier::varchar, coalesce(category, ''), stage_policy, is_edge_case::varchar,
                    is_holdout::varchar, coalesce(license, '')
                ),
                chr(30) order by dataset
            )
        ) as registry_sha256,
        count(*) as registered_datasets

    from registry

),

final as (

    select
        '{{ var("lake_root") }}' as lake_root,
        {{ var('split_seed') }}::integer as split_seed,
        '{{ tojson({
            "lake_root": var("lake_root"),
            "split_seed": var("split_seed"),
            "split_train_pct": var("split_train_pct"),
            "split_val_pct": var("split_val_pct"),
            "max_record_bytes": var("max_record_bytes"),
            "foundation_only_families": var("foundation_only_families"),
            "safety_only_families": var("safety_only_families"),
        }, sort_keys=true) | replace("'", "''") }}' as dbt_vars,
        registry_fingerprint.registry_sha256,
        registry_fingerprint.registered_datasets,
        '{{ run_started_at.isoformat() }}' as built_at

    from registry_fingerprint

)

select * from final
