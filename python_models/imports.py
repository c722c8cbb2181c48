"""Third-party imports that dbt's model threads share, one at a time per process."""

from __future__ import annotations

import importlib
import threading
from types import ModuleType

_LOCK = threading.Lock()


def import_module(name: str) -> ModuleType:
    """`importlib.import_module` under one process-wide lock. dbt runs Python models in threads;
    two threads importing scikit-learn at once (directly, or through sentence-transformers) can
    meet it half-initialised ("cannot import name 'clone' from partially initialized module
    'sklearn.base'", seen in CI on a build that fitted the category model while another model
    loaded a scorer)."""
    with _LOCK:
        return importlib.import_module(name)
