"""Labelled evaluation of near-duplicate detection on real data, against MinHash (datatrove).

One job a module: ``documents`` (a labelled document), ``perturbations`` (generated
near-copies), ``corpus`` (real data and its near-copies, exact copies collapsed), ``pairs``
(ground-truth pairs, precision and recall), ``backends`` (the embedding backends, calibrated),
``minhash`` (the peer), ``run`` (the whole evaluation that docs/evaluation.md reports).
"""

from __future__ import annotations

from evaluation.neardup.run import run_evaluation
from evaluation.realdata import RealDataMissing

__all__ = ["RealDataMissing", "run_evaluation"]
