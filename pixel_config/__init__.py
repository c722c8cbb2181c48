"""Configuration the library needs: where the project, the warehouse and the extensions live.

Imports nothing of the project, so every layer may import it.
"""
