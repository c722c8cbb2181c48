"""Refit the scorers' weights on real labelled data (`python -m evaluation.fitting.fit_X`)."""
