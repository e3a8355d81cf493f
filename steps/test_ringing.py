"""Binds every feature file to the steps; no logic here."""

from pytest_bdd import scenarios

scenarios(".")
