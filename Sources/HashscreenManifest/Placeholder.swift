// HashscreenManifest: placeholder, see docs/architecture.md.
