#!/usr/bin/env bash
# Runs on the control-plane node. The orders service: a small Go program and the Dockerfile to fix.
set -euo pipefail
mkdir -p /root/orders
cat > /root/orders/main.go <<'GO'
package main

import (
	"fmt"
	"net/http"
	"os"
)

func main() {
	token := os.Getenv("API_TOKEN")
	http.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprintln(w, "ok") })
	http.HandleFunc("/orders", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer "+token {
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		fmt.Fprintln(w, "[]")
	})
	_ = http.ListenAndServe(":8080", nil)
}
GO
cat > /root/orders/go.mod <<'MOD'
module example.com/orders

go 1.23
MOD
cat > /root/orders/Dockerfile <<'DOCKERFILE'
FROM golang:1.23
WORKDIR /src
ENV API_TOKEN=tok-5f3e9a1c2b
RUN apt-get update && apt-get install -y curl
COPY . .
RUN CGO_ENABLED=0 go build -o /usr/local/bin/orders .
EXPOSE 8080
CMD /usr/local/bin/orders
DOCKERFILE
