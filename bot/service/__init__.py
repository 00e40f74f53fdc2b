"""The imperative shell: reads files, talks to forges and the store, runs jobs."""
