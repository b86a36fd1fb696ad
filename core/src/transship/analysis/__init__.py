"""Schema analysis (``analyze-schema``): parse the exported schema and run rule plugins over it."""
