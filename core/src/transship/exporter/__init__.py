"""Export side orchestration: runs adapters' readers in parallel and writes ``data/`` files."""
