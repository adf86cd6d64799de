"""The points-of-contact directory and its reachability checks: the secretariat starts a
check, every active member is asked to confirm its contacts, and the directory shows per
member and kind of contact when it was last confirmed and how fast."""
