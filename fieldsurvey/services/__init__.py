"""The use cases the GUI and the CLI call. Qt-free; below it the domain, form engine, storage, sync, reports."""
