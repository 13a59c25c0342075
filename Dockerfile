# syntax=docker/dockerfile:1.7
# The gateway, serving the route files mounted at /routes with the config at /config/gateway.yaml.
#
#   docker build -t gateway .
#   docker run --rm -p 8080:8080 -v "$PWD/routes:/routes:ro" gateway
#
# The admin listener (health, readiness, metrics, route states) stays on the container's loopback
# unless the operator publishes it on purpose:
#   docker run ... -e GATEWAY_ADMIN=0.0.0.0:8081 -p 127.0.0.1:8081:8081 gateway
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /src
COPY pyproject.toml README.md ./
COPY requirements/runtime.txt ./requirements/runtime.txt
COPY gateway ./gateway
COPY studio ./studio
# The studio's pages go where the installed package looks for them (gateway/admin/studio.py: STATIC).
RUN pip install -r requirements/runtime.txt \
 && pip install --no-deps . \
 && cp -r studio "$(python -c 'from gateway.admin.studio import STATIC; print(STATIC)')" \
 && useradd --system --uid 10001 --user-group --home-dir /nonexistent --shell /usr/sbin/nologin gateway \
 && mkdir -p /config /routes /state /capture \
 && chown gateway:gateway /state /capture \
 && rm -rf /src

# The default config; mount your own over it. ${VAR:-default} values come from the environment.
COPY <<"EOF" /config/gateway.yaml
routes: /routes
state: /state
capture:
  dir: /capture
admin:
  listen: ${GATEWAY_ADMIN:-127.0.0.1:8081}
EOF

WORKDIR /state
USER gateway
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s \
  CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8081/ready', timeout=2)"]
ENTRYPOINT ["gateway"]
CMD ["serve", "--config", "/config/gateway.yaml", "--routes", "/routes"]
