"""Evaluation's exports use the project's shared writers (`mentoring.exporting`)."""

from mentoring.exporting import BOM, csv_stream, neutralise, safe_sheet_title, xlsx_write

__all__ = ["BOM", "csv_stream", "neutralise", "safe_sheet_title", "xlsx_write"]
