"""pytest-bdd step definitions: the feature files' language, spoken to the adapter."""
