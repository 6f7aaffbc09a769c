"""One module per schema revision, oldest first by number (``0001_...``, ``0002_...``)."""
