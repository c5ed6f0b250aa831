"""Report layer: Vietnamese labels, figures, sentences and provenance for the brief notebooks."""
