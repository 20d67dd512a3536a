"""`bench/pages.py` loaded as a module: its list of pages (`_pages`), the demo objects they are
about (`Found`) and its measuring. The page-query test, the accessibility test and the Arabic
journey go over the bench's pages, so a page added to the bench is checked by all three."""

import importlib.util
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent.parent / "bench" / "pages.py"


def bench_pages():
    spec = importlib.util.spec_from_file_location("bench_pages", BENCH)
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("bench_pages", module)
    spec.loader.exec_module(module)
    return module
