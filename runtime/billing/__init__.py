"""Bill runs: what is due by an as-of date, reconciled against the ledger, issued as documents."""
