"""Tests of billkit.invoicing."""
