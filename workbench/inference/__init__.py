"""Inference over trained runs: predictions, explanations, error review, ranking.

No Qt here.  Submodules that need torch import it themselves, so importing
``workbench.inference`` (or its record types) stays cheap:

- ``records``      prediction records and BIO repair into scored spans (numpy only)
- ``predictor``    :class:`~workbench.inference.predictor.Predictor` over a model folder
- ``attention``    attention rows and rollout, word pieces merged into words
- ``attribution``  integrated gradients on the input embeddings
- ``errors``       error kinds, confusion matrices, per-document review rows
- ``cache``        predictions cached per run in the project file
- ``batch``        long jobs (predict a split, pre-annotate) with progress and cancel
- ``suspicious``   gold labels the model disagrees with, out of sample
- ``onnx_export``  ONNX export with a check against torch
"""
