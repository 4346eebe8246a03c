# resizer: the image that k8s/ deploys.  docker build -t resizer:0.1.0 .
# Settings come from the environment (docs/operations.md, "Settings"); S3 credentials from the pod's IAM role.

ARG PYTHON_IMAGE=python:3.11-slim-bookworm

# -- build: a virtualenv with the pinned dependencies and the app, and the collected static files ----
FROM ${PYTHON_IMAGE} AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_ROOT_USER_ACTION=ignore
WORKDIR /src
# Dependencies first, the service's exact versions from requirements.lock (`make lock`), so that a
# code change does not reinstall them. Wheels only: nothing is compiled, so neither stage needs a
# compiler. The venv has no pip of its own.
COPY pyproject.toml README.md requirements.lock ./
RUN python -m venv --without-pip /opt/venv \
 && pip --python /opt/venv/bin/python install --no-cache-dir --only-binary=:all: -r requirements.lock
COPY resizer/ resizer/
RUN pip --python /opt/venv/bin/python install --no-cache-dir --no-deps .
WORKDIR /app
COPY manage.py ./
COPY settings/ settings/
COPY demo/ demo/
# Static files are collected now, with hashed names, and served by whitenoise (never from /media/).
# The demo's are included so that RESIZER_DEMO=true works in the image too.
RUN DJANGO_STATIC_ROOT=/app/static /opt/venv/bin/python manage.py collectstatic --noinput --verbosity 0 \
 && /opt/venv/bin/python -m compileall -q /app

# -- run: the slim base, the venv and the app; a non-root user; no build tools, no pip in the venv ----
FROM ${PYTHON_IMAGE}
# Numeric ids, so that Kubernetes' runAsNonRoot can check them (k8s/deployment.yaml: 10001).
RUN groupadd --system --gid 10001 resizer \
 && useradd --system --uid 10001 --gid 10001 --no-create-home --home-dir /nonexistent \
      --shell /usr/sbin/nologin resizer
COPY --from=build /opt/venv /opt/venv
COPY --from=build /app /app
# The embedded filesystem storage (no bucket configured: `docker run` quick start) writes here;
# with S3 (k8s/) the root filesystem is read-only and nothing is written locally.
RUN install -d -o 10001 -g 10001 /app/var
# Bytecode is compiled at build time; threads of a render pool make glibc open many malloc arenas,
# which inflates resident memory: two are plenty.
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    MALLOC_ARENA_MAX=2 \
    DJANGO_SETTINGS_MODULE=settings \
    DJANGO_STATIC_ROOT=/app/static
WORKDIR /app
USER 10001:10001
EXPOSE 8000
# The slim image has no curl: the probe is Python's own urllib (non-zero exit on any failure).
HEALTHCHECK --interval=30s --timeout=3s --start-period=10s --retries=3 \
  CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2)"]
# One process per container: scale with replicas. Keep-alive outlives the load balancer's and the
# CDN's idle timeouts (ALB 60 s, CloudFront ≤ 60 s), so the origin never closes a connection they
# are about to reuse. The graceful-shutdown timeout (25 s) covers one request deadline (20 s) and
# fits in the pod's grace period after its preStop sleep (45 s − 10 s, k8s/deployment.yaml).
CMD ["uvicorn", "settings.asgi:application", "--host", "0.0.0.0", "--port", "8000", \
     "--loop", "uvloop", "--http", "httptools", "--timeout-keep-alive", "65", \
     "--timeout-graceful-shutdown", "25"]
