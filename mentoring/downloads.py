"""Download responses for exports: streamed CSV and an XLSX workbook spooled to disk."""

import tempfile

from django.http import FileResponse, StreamingHttpResponse

from mentoring.exporting import csv_stream, xlsx_write

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def csv_response(*, header, rows, filename: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(
        csv_stream(header=header, rows=rows), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def xlsx_response(*, sheets, filename: str) -> FileResponse:
    # Written to an anonymous temporary file (gone once closed), then streamed from disk.
    spool = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it
    try:
        xlsx_write(sheets=sheets, target=spool)
        spool.seek(0)
    except BaseException:
        spool.close()
        raise
    return FileResponse(spool, as_attachment=True, filename=filename, content_type=XLSX_TYPE)
