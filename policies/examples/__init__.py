"""Example policies shipped with the package (a package so the YAML files are installed)."""

from pathlib import Path

EXAMPLES_DIR = Path(__file__).resolve().parent
EXAMPLE_POLICY = EXAMPLES_DIR / "gemeente-voorbeeld.yaml"
DEMO_POLICY = EXAMPLES_DIR / "demo.yaml"
