"""The Train screen: one-click fine-tuning with live curves and run history."""
