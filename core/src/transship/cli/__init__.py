"""The click CLI (``transship``), with yb-voyager's command and flag names."""
