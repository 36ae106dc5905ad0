"""The daily digest: content from two reports, the schedule as data, the trend chart (pure)."""
