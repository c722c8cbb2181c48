{#- Counsel Chat shape: the question title (when present) heads the user turn; HTML answers become text. -#}
{{ two_turn_conversation(
    'qa_csv',
    fields=['title', 'question', 'answer'],
    required=['question', 'answer'],
    user_expr="case when coalesce(trim(field_title), '') <> '' then " ~ html_to_text('field_title') ~ " || chr(10) || chr(10) else '' end || " ~ html_to_text('field_question'),
    assistant_expr=html_to_text('field_answer'),
) }}
