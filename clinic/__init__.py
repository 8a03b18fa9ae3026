"""The clinic project: settings, URLs and the public information section."""
