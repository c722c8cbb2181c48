{{ two_turn_conversation(
    'context_response',
    fields=['context', 'response'],
    required=['context', 'response'],
    user_expr='field_context',
    assistant_expr='field_response',
) }}
