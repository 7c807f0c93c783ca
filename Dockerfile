# syntax=docker/dockerfile:1
# Build stage: a wheel of consultbot and its dependencies.
FROM python:3.11-slim AS build
WORKDIR /src
RUN pip install --no-cache-dir build==1.2.2
COPY pyproject.toml README.md alembic.ini ./
COPY bot ./bot
COPY handlers ./handlers
COPY surveys ./surveys
COPY migrations ./migrations
COPY locales ./locales
RUN python -m build --wheel --outdir /wheels . \
    && pip wheel --no-cache-dir --wheel-dir /wheels /wheels/consultbot-*.whl

# Run stage: only the installed package, as an unprivileged user.
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    DATABASE_URL=sqlite+aiosqlite:////data/consultbot.db \
    HEALTH_PORT=8081 \
    PORT=8080
RUN useradd --system --uid 10001 --create-home --home-dir /app consultbot \
    && mkdir /data && chown 10001 /data
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir --no-index --find-links /wheels /wheels/consultbot-*.whl \
    && rm -rf /wheels \
    && python -m bot.i18n_check
USER 10001
WORKDIR /data
VOLUME ["/data"]
EXPOSE 8080 8081
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 CMD ["consultbot", "health"]
# `run` polls Telegram; set MODE=webhook (with WEBHOOK_BASE_URL and WEBHOOK_SECRET) to serve a webhook.
ENV MODE=run
CMD ["sh", "-c", "exec consultbot \"$MODE\""]
