# LeadOps production image: gunicorn for the web, the same image runs the Celery worker and beat.
# Build:  docker build -t leadops .     Run everything: docker compose up -d (see README.md).

# --- builder: resolve and install the dependencies into a virtualenv ----------------------------------
FROM python:3.11-slim AS builder
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
WORKDIR /build
COPY pyproject.toml README.md ./
COPY leadops leadops
COPY leads leads
COPY scoring scoring
COPY outreach outreach
# Install through the package so pyproject.toml stays the one list of dependencies, then drop the package
# itself: the code runs from /app, where templates, static files and fixtures live next to it.
RUN pip install . && pip uninstall -y leadops

# --- final: slim runtime, no compilers, non-root ------------------------------------------------------
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PATH=/opt/venv/bin:$PATH \
    DJANGO_SETTINGS_MODULE=leadops.settings \
    DATA_DIR=/data \
    STATIC_ROOT=/app/staticfiles \
    STATIC_MANIFEST=true
RUN useradd --system --uid 10001 --user-group --home-dir /app --shell /usr/sbin/nologin leadops \
    && mkdir -p /data /app && chown leadops:leadops /data
COPY --from=builder /opt/venv /opt/venv
WORKDIR /app
COPY --chown=leadops:leadops . .
# Hashed, compressed static files are baked into the image; whitenoise serves them.
# DATA_DIR points at a scratch folder so the build leaves no SQLite file in the image.
RUN DATA_DIR=/tmp/build-data python manage.py collectstatic --noinput --verbosity 0 \
    && rm -rf /tmp/build-data && chown -R leadops:leadops /app/staticfiles
USER leadops
VOLUME ["/data"]
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD python -c "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4).status != 200)"
# Worker model and count live in gunicorn.conf.py (the UI bench serves the app with it too); WEB_CONCURRENCY,
# when set, overrides the number of workers. Access lines go to stdout.
CMD ["sh", "-c", "exec gunicorn --config gunicorn.conf.py --bind 0.0.0.0:8000 ${WEB_CONCURRENCY:+--workers $WEB_CONCURRENCY} --access-logfile -"]
