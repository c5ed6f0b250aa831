"""CCHC evidence for the communes of Ba Vì: clean exports, compute indicators, publish briefs."""

__version__ = "0.1.0"
