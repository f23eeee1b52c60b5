# Runtime hook: runs in the frozen app before any of its own code.
import os
import sys

# A windowed Windows build has no console, so sys.stdout/sys.stderr are None;
# transformers' logging and tqdm write to them and would raise.
for _name in ("stdout", "stderr"):
    if getattr(sys, _name) is None:
        setattr(sys, _name, open(os.devnull, "w", encoding="utf-8"))

# The Rust tokenizer's thread pool and forked DataLoader workers deadlock together.
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
