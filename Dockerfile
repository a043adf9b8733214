# Hashport web, worker and beat image: python:3.13-slim, dependencies built in a first stage, run as non-root.
FROM python:3.13-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
COPY pyproject.toml README.md ./
RUN python -m venv /venv && /venv/bin/pip install --upgrade pip && /venv/bin/pip install .

FROM python:3.13-slim
ENV PATH=/venv/bin:$PATH PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1 \
    HASHPORT_VAR_DIR=/app/var STATIC_ROOT=/app/staticfiles WHITENOISE_USE_FINDERS=0
RUN useradd --create-home --uid 10001 hashport
WORKDIR /app
COPY --from=build /venv /venv
COPY --chown=hashport:hashport . .
RUN SECRET_KEY=collectstatic-only python manage.py collectstatic --no-input \
    && mkdir -p /app/var && chown -R hashport:hashport /app/var /app/staticfiles
USER hashport
EXPOSE 8000
CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3"]
