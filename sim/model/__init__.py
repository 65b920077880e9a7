"""The model: the only SimPy code (budgets, materials, workforce, facility kinds, expansions)."""
