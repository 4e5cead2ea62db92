"""Tables and queries of the sync area (bundles seen, device sequences, trusted keys, conflicts, duplicates,
review comments). Migrations defined here with `fieldsurvey.storage.migrations.migration` run after the core ones."""

from __future__ import annotations
