// HashscreenList: placeholder, see docs/architecture.md.
