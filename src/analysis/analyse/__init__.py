"""Indicators, models and risk adjustment computed from the processed tables."""
