"""Test helpers for transship and its plugins (shipped, so third-party adapters can use them)."""
