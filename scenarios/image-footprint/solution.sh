#!/usr/bin/env bash
# Reference solution (runs on the control-plane node). The distroless digest is one published for
# gcr.io/distroless/static-debian12:nonroot; look up the current one with
# `crane digest gcr.io/distroless/static-debian12:nonroot` where you build images.
set -euo pipefail
cat > /root/orders/Dockerfile <<'DOCKERFILE'
# Build stage: the toolchain stays here.
FROM golang:1.23.4 AS build
WORKDIR /src
COPY go.mod main.go ./
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/orders .

# The image that ships: no shell, no package manager, runs as uid 65532.
FROM gcr.io/distroless/static-debian12:nonroot@sha256:d093aa3e30dbadd3efe1310db061a14da60299baff8450a17fe0ccc514a16639
COPY --from=build /out/orders /orders
USER nonroot:nonroot
EXPOSE 8080
# API_TOKEN comes from a Secret at run time (env valueFrom secretKeyRef), never from the image.
ENTRYPOINT ["/orders"]
DOCKERFILE
