# syntax=docker/dockerfile:1
# Multi-stage build: wheels are built in the first stage; the final image has no compilers.
FROM python:3.11-slim AS build
WORKDIR /src
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY commands ./commands
RUN pip install --upgrade pip && pip install . \
 && pip uninstall --yes pip setuptools wheel

FROM python:3.11-slim AS runtime
LABEL org.opencontainers.image.title="iam-audit" \
      org.opencontainers.image.description="Chat-ops Slack bot and CLI that audits and safely changes AWS IAM"
RUN groupadd --system --gid 10001 iamaudit \
 && useradd --system --uid 10001 --gid iamaudit --home-dir /app --shell /usr/sbin/nologin iamaudit
COPY --from=build /opt/venv /opt/venv
COPY policies /app/policies
WORKDIR /app
ENV PATH=/opt/venv/bin:$PATH PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1
USER 10001:10001
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=3s --start-period=20s --retries=3 \
  CMD ["python", "-c", "import sys, urllib.request; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:3000/healthz', timeout=2).status == 200 else 1)"]
# `docker stop` sends SIGINT: serve then stops taking work, finishes running audits and
# shuts the scheduler down (SIGTERM would end it at once); RQ workers stop gracefully too.
STOPSIGNAL SIGINT
ENTRYPOINT ["iam-audit"]
CMD ["serve", "--port", "3000"]
