// HashscreenReport: placeholder, see docs/architecture.md.
