"""Evaluation of the scorers on real labelled data in ../shared/realdata (never shipped)."""
