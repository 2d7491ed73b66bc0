"""Desktop integration files shipped with the package: .desktop entry, AppStream metainfo, icons."""
