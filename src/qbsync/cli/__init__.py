"""Thin command modules: parse options, call the core, render, exit."""
