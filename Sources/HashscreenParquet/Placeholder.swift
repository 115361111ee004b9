// HashscreenParquet: placeholder, see docs/architecture.md.
