"""Feature extensions; every module here is loaded at start-up."""
