{#-
    Parse an hh-rlhf style string ("\n\nHuman: ...\n\nAssistant: ...") into a list of
    {role, content} turns. Text before the first marker becomes a turn with a null role, so the
    caller can quarantine it instead of losing it.
-#}
{% macro hh_dialogue(text) -%}
    list_transform(
        list_filter(
            string_split(
                regexp_replace({{ text }}, '(?:^|\n\n)(Human|Assistant):', chr(30) || '\1' || chr(31), 'g'),
                chr(30)
            ),
            t -> trim(t) <> ''
        ),
        t -> {
            'role': case when contains(t, chr(31)) then split_part(t, chr(31), 1) end,
            'content': case when contains(t, chr(31)) then substr(t, strpos(t, chr(31)) + 1) else t end
        }
    )
{%- endmacro %}
