"""The scenario language: YAML and `--set` overrides to frozen, validated objects (no SimPy here)."""
