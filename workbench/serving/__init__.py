"""A trained run leaving the app: served over HTTP (``server.py``, ``workbench-cli serve``) and
handed on as a standard Hugging Face model folder with a model card (``export_model.py``,
``workbench-cli export-model``).  No Qt; torch and transformers load only when used."""
