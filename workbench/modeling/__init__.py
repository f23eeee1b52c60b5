"""Models and devices, below both training and inference: loading and saving (safetensors, no
remote code), device and precision, the word-case channel, mean pooling, model-folder checks."""
