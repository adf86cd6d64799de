"""The evidence pipeline: parse, attribute, route, fingerprint, store."""
