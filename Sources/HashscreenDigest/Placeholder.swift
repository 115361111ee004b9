// HashscreenDigest: placeholder, see docs/architecture.md.
