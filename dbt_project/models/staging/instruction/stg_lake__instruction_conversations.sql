{#- Alpaca convention: the user turn is the instruction, then the input (when any) after a blank line. -#}
{{ two_turn_conversation(
    'instruction',
    fields=['instruction', 'input', 'output'],
    required=['instruction', 'output'],
    user_expr="field_instruction || case when coalesce(trim(field_input), '') <> '' then chr(10) || chr(10) || field_input else '' end",
    assistant_expr='field_output',
) }}
