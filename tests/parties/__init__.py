"""Tests of billkit.parties."""
