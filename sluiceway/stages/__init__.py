"""Stages: the registry maps YAML names to classes; see base.py for the contract."""
