"""Files no registry glob matches: the inventory lists them, staging never reads them."""

from __future__ import annotations

from sample_lake.lake import Lake
from sample_lake.records import chatml, dumps


def write_unregistered_files(lake: Lake) -> None:
    """Files no registry glob matches: the inventory must list them, staging must not read them."""
    content = lake.content("unregistered")
    notes = [dumps(chatml(content.conversation(), content.roles(), f"note-{i}")) for i in range(3)]
    lake.write_unregistered("misc/notes.jsonl", ("\n".join(notes) + "\n").encode())
    lake.write_unregistered(
        "misc/README.txt",
        b"Scratch area. Nothing here is registered in the source registry.\n",
    )
    # `*` never crosses `/`: an archive folder beside the curated files is not curated data.
    legacy = dumps(chatml(content.conversation(), content.roles(), "legacy-1"))
    lake.write_unregistered("curated/archive/priority_legacy.jsonl", (legacy + "\n").encode())
