// HashscreenMatch: placeholder, see docs/architecture.md.
