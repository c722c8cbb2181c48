{#-
    All exported windows of one session are in the same split: windows overlap (and repeat the
    session's opening), so a session in two splits would put the same text in train and test.
    Returns sessions found in more than one split.
-#}
with

windows as (

    select
        source_file,
        source_line,
        split_group
    from {{ ref('int_voice_conversations') }}
    where segment_kind = 'window'

),

exported_windows as (

    select
        windows.split_group,
        conversations.split
    from {{ ref('conversations') }} as conversations
    inner join windows
        on conversations.source_file = windows.source_file
            and conversations.source_line = windows.source_line

)

select
    split_group,
    count(distinct split) as splits
from exported_windows
group by split_group
having count(distinct split) > 1
