"""The sample lake's content as data: topics, templates, phrase pools, hand-written edge cases."""
