from rest_framework.pagination import CursorPagination


class ApiCursorPagination(CursorPagination):
    """Pages by an opaque cursor in id order: no COUNT, and the same queries for every page."""

    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 500
    ordering = "pk"
