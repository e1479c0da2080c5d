"""Tests of the billkit command."""
