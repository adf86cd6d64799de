"""Cross-border cooperation requests: typed, with deadlines from the rules, a lifecycle whose
every step is ledgered, refusal grounds from a fixed list, and attached evidence frozen."""
