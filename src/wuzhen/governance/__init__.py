"""Governance: sessions, proposals and amendments, one member one vote, resolutions that
change the rules the software enforces, and the register of commitments."""
