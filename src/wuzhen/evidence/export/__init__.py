"""Exports of events to the formats other teams' tools read (STIX 2.1, MISP).

Exporters take events already selected for a recipient and write only the shared field set
(:data:`wuzhen.schema.SHARED`): never ``raw``, never ``destination.*``.
"""
