"""Accounts, roles, invitations, API keys and web sessions."""
