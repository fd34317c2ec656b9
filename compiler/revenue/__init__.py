"""Revenue plans: what a contract earns, when, and why (docs/revenue.md).

A pure stage of its own, after checking and beside billing lowering, which it
reuses for the consideration (one pricing rule, one place). The five IFRS 15
steps map onto the modules:

- step 1 and modifications (¶9-21): `plan.py`, one stage per amendment or renewal;
- step 2, performance obligations (¶22-30): each charge of a contract is one (`plan.py`);
- step 3, transaction price (¶47-72): `consideration.py`, the fixed consideration of the
  committed term after discounts; usage is variable consideration (¶50-59) left to run time;
- step 4, allocation (¶73-86): `allocation.py`, relative standalone selling prices;
- step 5, satisfaction over time or at a point in time (¶31-45): `methods.py`.

The records the stage hands on are in `records.py`.
"""
