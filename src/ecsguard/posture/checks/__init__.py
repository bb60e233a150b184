"""Check predicates (``<resource>.py``) and their metadata (``<resource>.yaml``)."""
