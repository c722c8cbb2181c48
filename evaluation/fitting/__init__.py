"""Refit the scorers' weights on real labelled data (`pixel-data eval fit <scorer>`)."""
