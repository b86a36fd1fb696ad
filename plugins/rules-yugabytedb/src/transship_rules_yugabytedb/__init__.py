"""YugabyteDB compatibility rules for ``transship analyze-schema`` (yb-voyager's catalogue)."""
