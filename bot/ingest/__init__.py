"""Pure parsing of what arrives from outside: patches, specs, dist-git trees, configs, payloads."""
