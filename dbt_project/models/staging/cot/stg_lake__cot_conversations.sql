{#-
    Chain of thought: the reasoning stays in the assistant turn, wrapped in <think>...</think>
    before the final answer (the convention most reasoning-tuned chat templates expect).
-#}
{{ two_turn_conversation(
    'cot',
    fields=['question', 'reasoning', 'answer'],
    required=['question', 'reasoning', 'answer'],
    user_expr='field_question',
    assistant_expr="'<think>' || chr(10) || " ~ trim_whitespace('field_reasoning') ~ " || chr(10) || '</think>' || chr(10) || chr(10) || " ~ trim_whitespace('field_answer') ~ "",
) }}
