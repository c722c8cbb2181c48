{{ extract_message_list('chatml', messages_key='messages', role_key='role', content_key='content') }}
