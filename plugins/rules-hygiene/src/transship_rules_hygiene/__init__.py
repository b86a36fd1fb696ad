"""Migration-hygiene rules for ``transship analyze-schema``."""
