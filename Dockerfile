# OpenSentience Core in a container: the single binary, git and Elixir, run as
# an unprivileged user with all state in the /data volume.
#
# Build and run (publish the port on the loopback interface ONLY):
#
#   docker build -t opensentience .
#   docker run -d --name opensentience \
#     -p 127.0.0.1:6767:6767 \
#     -v opensentience:/data \
#     opensentience
#   docker logs opensentience        # prints the admin login URL (it carries the token)
#
# Inside the container the daemon must listen on 0.0.0.0 (hence --allow-remote)
# because Docker forwards published ports to the container's own interface.
# Safety comes from the host side: `-p 127.0.0.1:6767:6767` publishes the port
# on the host's loopback only. Never use `-p 6767:6767`: that exposes the admin
# API to your whole network. Reached that way, the browser sends
# `Host: 127.0.0.1:6767`, which the daemon's Host-header check accepts.
#
# Agents to discover go in a bind mount under a scan root, e.g.
#   -v "$HOME/Projects:/home/opensentience/Projects:ro"
# Admin commands run inside: docker exec -it opensentience opensentience doctor

# ---- build: compile the self-contained executable with Bun -------------------
FROM node:20-bookworm AS build
ARG BUN_VERSION=1.4.5
# Build metadata only (shown by --version); the build context has no .git.
ARG OPENSENTIENCE_COMMIT=docker
# If npm skipped the package's install script, run it: it puts the real binary in place.
RUN npm install -g --no-fund --no-audit "bun@${BUN_VERSION}" \
 && (bun --version || node "$(npm root -g)/bun/install.js") \
 && bun --version
WORKDIR /src
COPY package.json bun.lock ./
RUN bun install --frozen-lockfile
COPY . .
# Embeds migrations, web assets, the Elixir SDK (sdk/elixir) and examples/.
RUN OPENSENTIENCE_COMMIT="${OPENSENTIENCE_COMMIT}" bun run build \
 && ./dist/opensentience --version

# ---- runtime: Debian slim with git and Elixir --------------------------------
FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates git openssh-client elixir tini \
 && rm -rf /var/lib/apt/lists/*
# A fixed, unprivileged uid so volume ownership is predictable across rebuilds.
RUN groupadd --gid 10001 opensentience \
 && useradd --uid 10001 --gid 10001 --create-home --home-dir /home/opensentience --shell /usr/sbin/nologin opensentience \
 && install -d -o opensentience -g opensentience -m 0700 /data \
 && install -d -o opensentience -g opensentience -m 0755 /home/opensentience/Projects
COPY --from=build /src/dist/opensentience /usr/local/bin/opensentience
ENV OPENSENTIENCE_HOME=/data \
    LANG=C.UTF-8 \
    HOME=/home/opensentience
VOLUME ["/data"]
USER opensentience
WORKDIR /home/opensentience
EXPOSE 6767
# tini is PID 1: it forwards SIGTERM to the daemon and reaps processes that
# agents' BEAMs leave behind.
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["opensentience","serve","--host","0.0.0.0","--allow-remote","--port","6767"]
