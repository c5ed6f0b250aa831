"""Reading raw exports, rosters and meeting registers into validated, pseudonymous tables."""
