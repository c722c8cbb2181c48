"""Sentence embeddings for near-duplicate detection and scoring, offline, behind one interface.

- :mod:`.texts`: the text embedded for a conversation (a function of its id, so caches may key
  on it), its two sides, and a hash for texts without an id.
- :mod:`.backends`: the :class:`~.backends.Embedder` interface, the two backends (``static``,
  the default, and ``minilm``) and :func:`~.backends.get_embedder`.
- :mod:`.static_model`: the static model distilled from MiniLM with model2vec, once, offline,
  into a versioned local directory.
- :mod:`.cache`: embeddings on disk, keyed by ``(content_hash, model_id)``, so a rebuild embeds
  only texts it has not seen and scoring reuses the near-duplicate stage's vectors.

Nothing here downloads: the Hugging Face hub is switched off before any model library loads.
Heavy dependencies (torch, sentence-transformers, model2vec) are imported lazily.
"""
