"""Recursive training on synthetic data: the statistical model of Seddik et al. 2024."""
