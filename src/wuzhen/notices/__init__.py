"""Notices: the events routed to a member, grouped per ingest, delivered and acknowledged;
contests of routing; route changes."""
