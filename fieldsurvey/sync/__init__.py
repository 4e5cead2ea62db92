"""Sync bundles (docs/sync.md): identity and keys (keys.py), the signed and encrypted container read in memory
(container.py), what a bundle holds and its checks (records.py), merge decisions and duplicates (merge.py).
No SQL here: the tables are in fieldsurvey/storage/sync_store.py, the use cases in fieldsurvey/services/sync.py."""
