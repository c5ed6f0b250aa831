"""Meeting reports -> what the district said about each commune (`extract_meeting`)."""
