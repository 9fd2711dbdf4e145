"""``python -m local_telegram`` starts the server (same options as ``local_telegram.server``)."""

from .server import main

main()
