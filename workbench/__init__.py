"""Text labeling-and-training workbench: the domain core (no Qt here)."""

__version__ = "0.1.0"
