"""Users, access levels, password hashing and HTTP Basic/Digest authentication."""
