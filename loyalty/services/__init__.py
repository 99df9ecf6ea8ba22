"""Every state change of the loyalty domain is a function here (rule 1 of DESIGN.md)."""
