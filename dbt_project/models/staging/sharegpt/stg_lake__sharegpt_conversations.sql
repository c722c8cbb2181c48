{{ extract_message_list('sharegpt', messages_key='conversations', role_key='from', content_key='value') }}
