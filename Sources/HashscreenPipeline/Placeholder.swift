// HashscreenPipeline: placeholder, see docs/architecture.md.
