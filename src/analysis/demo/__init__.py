"""Synthetic Ba Vì dataset: dirty one-stop-shop exports, an officer roster, a meeting register and
the truth they were generated from (`generate.generate_demo_data`, CLI `demo-data`)."""
