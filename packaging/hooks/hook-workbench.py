# The core loads models through transformers' Auto* classes, which import the
# model's modules by name at run time (a lazy module), invisible to analysis.
from PyInstaller.utils.hooks import collect_submodules, copy_metadata

# Encoder families a user is likely to point the app at (a local folder of
# any of these trains and predicts); others would need adding here.
MODEL_FAMILIES = (
    "auto", "bert", "distilbert", "roberta", "xlm_roberta", "camembert", "deberta",
    "deberta_v2", "electra", "albert", "mpnet", "modernbert",
    # imported by the auto mappings while resolving a BERT checkpoint
    "encoder_decoder", "align",
)
# Parts of transformers the app never reaches: the command line, test helpers,
# and the hundreds of model families not listed above.
_SKIP = ("transformers.cli", "transformers.commands", "transformers.testing_utils",
         "transformers.models.")
_FAMILY_PREFIXES = tuple(f"transformers.models.{f}" for f in MODEL_FAMILIES)


def _wanted(name: str) -> bool:
    if name == "transformers.models" or name.startswith(_FAMILY_PREFIXES):
        return True
    return not name.startswith(_SKIP)


hiddenimports = collect_submodules("workbench") + collect_submodules("transformers", filter=_wanted)

# transformers, datasets and huggingface_hub look up installed versions with
# importlib.metadata at run time; without the dist-info folders they report the
# package as missing.
datas = []
for dist in ("transformers", "tokenizers", "datasets", "safetensors", "huggingface_hub",
             "torch", "numpy", "pyarrow", "accelerate", "seqeval", "peft", "sentence-transformers", "scikit-learn",
             "text-workbench"):
    try:
        datas += copy_metadata(dist)
    except Exception:  # optional dists (accelerate) may be absent from a build venv
        pass
