{#- Like `relationships`, limited to the child rows matching `where_clause`. -#}
{% test relationships_where(model, column_name, to, field, where_clause='true') %}

select child.{{ column_name }}
from {{ model }} as child
left join {{ to }} as parent
    on child.{{ column_name }} = parent.{{ field }}
where ({{ where_clause }})
    and child.{{ column_name }} is not null
    and parent.{{ field }} is null

{% endtest %}
