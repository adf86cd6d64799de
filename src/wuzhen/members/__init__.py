"""Members of the compact: admitted states, their jurisdictions, contacts and sharing policy."""
