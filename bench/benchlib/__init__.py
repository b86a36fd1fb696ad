"""The transship benchmark harness (run it through ``bash bench/run.sh``)."""
