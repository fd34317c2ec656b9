"""Revenue recognition at run time: what is earned per contract, obligation and month (docs/revenue.md)."""
