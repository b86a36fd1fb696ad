"""Implementations of the CLI commands (the CLI module only parses flags)."""
