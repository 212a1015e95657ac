# Production-like image of the Leerstand service (used by docker-compose.yml).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /srv/leerstand

# pg_dump, pg_restore and psql for `leerstand backup` / `restore` (bookworm: 15, as the db service);
# pango and a font for the exposé PDFs (WeasyPrint)
RUN apt-get update \
    && apt-get install -y --no-install-recommends postgresql-client libpango-1.0-0 \
       libpangoft2-1.0-0 fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*

COPY pyproject.toml README.md alembic.ini ./
COPY app ./app
COPY migrations ./migrations
COPY geodata ./geodata
COPY static ./static
RUN pip install --no-cache-dir . \
    && useradd --system --home-dir /srv/leerstand leerstand
USER leerstand

EXPOSE 8000
# migrations are applied on start (`serve` runs `alembic upgrade heads` first)
CMD ["leerstand", "serve", "--host", "0.0.0.0", "--port", "8000"]
