# episode-bot in a container: `docker compose up -d` (compose.yaml) builds and runs it.
# Settings come from the environment (compose passes .env); episodes and the database live on /data.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# The bot never runs as root: a system user that owns only /data.
RUN useradd --system --uid 10001 --user-group --home-dir /data --no-create-home episode-bot \
    && mkdir -p /data/episodes \
    && chown -R episode-bot:episode-bot /data

WORKDIR /app
COPY pyproject.toml README.md LICENSE ./
COPY bot ./bot
COPY cogs ./cogs
# The same package the Makefile installs into .venv (there editable, here a plain install).
RUN pip install --quiet .

ENV DATA_DIR=/data/episodes \
    DATABASE_PATH=/data/episode-bot.db
VOLUME ["/data"]
USER episode-bot
WORKDIR /data

# Cheap: no network, no full read of the database; unhealthy when the gateway session has not
# been up for 90 s (the running bot records it every 30 s). `docker inspect` shows why.
HEALTHCHECK --interval=60s --timeout=10s --start-period=120s --retries=3 \
    CMD ["episode-bot", "doctor", "--quick"]

# SIGTERM (docker stop) shuts down cleanly: interactions under way finish, the database closes.
STOPSIGNAL SIGTERM
CMD ["episode-bot", "run"]
