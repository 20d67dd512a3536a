# Production image: gunicorn serves the app, whitenoise the static files.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    MENTORING_VAR_DIR=/app/var
WORKDIR /app

COPY requirements.txt .
RUN pip install -r requirements.txt

COPY . .
# collectstatic needs settings but no secrets or services: build-only values.
RUN DEBUG=false SECRET_KEY=build-only-not-a-secret-build-only-not-a-secret-0123456789 \
    ALLOWED_HOSTS=build python manage.py collectstatic --noinput \
 && DEBUG=false SECRET_KEY=build-only-not-a-secret-build-only-not-a-secret-0123456789 \
    ALLOWED_HOSTS=build python manage.py compile_translations \
 && useradd --create-home --uid 1000 mentoring && mkdir -p var && chown -R mentoring var
USER mentoring

EXPOSE 8000
CMD ["gunicorn", "mentoring.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
