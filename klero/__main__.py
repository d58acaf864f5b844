"""``python -m klero`` runs the klero command line."""

from klero.app import main

main()
