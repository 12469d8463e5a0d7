"""AcademicHub: turn the day's papers from research feeds into a static daily digest."""

__version__ = "0.1.0"
