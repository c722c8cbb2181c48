"""One module per command group of `pixel-data`; `pixel_data.cli` assembles them."""
