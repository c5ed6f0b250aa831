"""Publishing: run the brief notebooks with papermill, export offline HTML, index and cache."""

# The code a brief runs (in its kernel): the report and publish layers, reference data and the
# shared helpers. Here, not in cache.py, so the pipeline can fingerprint it without pandas.
BRIEF_CODE = ("report", "publish", "reference", "text.py", "errors.py", "paths.py", "__init__.py")
