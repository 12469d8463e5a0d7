"""The source families: each family's name and the module under digest/sources/ that reads it."""
