"""Lake access: inventory, S3 configuration and the deterministic sample-lake generator."""
