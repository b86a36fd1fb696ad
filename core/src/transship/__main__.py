"""``python -m transship``."""

from transship.cli.main import main

main()
