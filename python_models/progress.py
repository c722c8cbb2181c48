"""One progress bar for every long Python stage: count, rate and ETA on stderr (tqdm).

Quiet when stderr is not a terminal (a CI log, a test run) or when ``enabled`` is false. The
description is a stage name and counts only, never record content.
"""

from __future__ import annotations

import sys

from tqdm.auto import tqdm


def progress(total: int | None, desc: str, *, unit: str = "conv", enabled: bool = True) -> tqdm:
    """A tqdm bar of ``total`` units; ``update(n)`` as work is done, ``close()`` at the end."""
    return tqdm(
        total=total,
        desc=desc,
        unit=unit,
        unit_scale=True,
        mininterval=2.0,
        file=sys.stderr,
        disable=None if enabled else True,  # None: off when stderr is not a TTY
    )
