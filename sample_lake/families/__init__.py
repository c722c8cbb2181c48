"""One module per dataset family: each writes its datasets' files into the lake and books them."""
