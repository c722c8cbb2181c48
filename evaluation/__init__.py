"""Offline evaluation and refitting of the scorers and of near-duplicate detection.

Never imported at run time: only the CLI (`pixel-data eval`) and tests use it.
"""
