"""Publishing: run the brief notebooks with papermill, export offline HTML, index and cache."""
