"""Pure logic: no network, database, clock or subprocess code below this package."""
