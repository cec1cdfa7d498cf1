# syntax=docker/dockerfile:1

# The base, pinned by digest so that a rebuild gets the same image: python:3.11-slim as published for
# Python 3.11.16 on Debian trixie (the multi-platform index digest, as pinned in the public repository
# github.com/biforch/seller-ai-copilot, backend/Dockerfile). docs/operations/deployment.md says how to
# move it to a newer one; both stages name the same.

# Build: resolve the locked dependencies into a virtual environment with uv.
FROM python:3.11-slim@sha256:9c900dea9e8fb7e16277c179b555cc72d29a352dbc33cff48ad5a0412fd5bfc7 AS build
ENV UV_COMPILE_BYTECODE=1 UV_LINK_MODE=copy UV_PYTHON_DOWNLOADS=never PIP_NO_CACHE_DIR=1
RUN pip install --no-cache-dir "uv==0.13.9"
WORKDIR /app
COPY pyproject.toml uv.lock README.md ./
RUN uv sync --frozen --no-dev --no-install-project
COPY app ./app
COPY migrations ./migrations
COPY seed ./seed
COPY deploy/docker-entrypoint.sh ./deploy/docker-entrypoint.sh
RUN uv sync --frozen --no-dev

# Runtime: the app and its environment, nothing else, run by an unprivileged user.
FROM python:3.11-slim@sha256:9c900dea9e8fb7e16277c179b555cc72d29a352dbc33cff48ad5a0412fd5bfc7 AS runtime
RUN groupadd --system --gid 10001 backpain \
    && useradd --system --uid 10001 --gid backpain --home-dir /app --no-create-home backpain
WORKDIR /app
COPY --from=build --chown=backpain:backpain /app /app
RUN mkdir -p /app/var && chown backpain:backpain /app/var
ENV PATH=/app/.venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    DATABASE_URL=sqlite:////app/var/backpain.db \
    HOST=0.0.0.0 \
    PORT=8000 \
    WORKERS=1
USER 10001:10001
EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen(f\"http://127.0.0.1:{os.environ.get('PORT', '8000')}/healthz\", timeout=2)"]
# Wait for the database, then run the command: `backpain serve` migrates and seeds, then serves.
ENTRYPOINT ["/app/deploy/docker-entrypoint.sh"]
CMD ["backpain", "serve"]
