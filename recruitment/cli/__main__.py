"""``python -m recruitment.cli`` runs the klero command line."""

from recruitment.cli import main

main()
