// HashscreenPerceptual: placeholder, see docs/architecture.md.
