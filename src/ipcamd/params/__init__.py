"""The parameter tree: schema as data, a SQLite-backed store, and the param.cgi text formats."""
