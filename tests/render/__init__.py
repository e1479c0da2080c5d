"""Tests of billkit.invoicing.render."""
