"""Reference tables: the district's units (codes, names, aliases, 2025 crosswalk) and the working-day calendar."""
