"""AlmaLinux-style autopatch configs: parse them, apply them, and list the changes they declare.

`parse.parse_config` reads `config.yaml`; `apply.apply_config` reproduces what the autopatch
tool makes of a base tree; `changes.declared_changes` and `analysis` turn a config into
the bot's changes.
"""
