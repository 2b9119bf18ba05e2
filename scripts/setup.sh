#!/usr/bin/env bash
# Installs the Debian packages fleetsim builds and tests with, only those missing.
# Idempotent: a second run installs nothing. Uses sudo when not root.
set -euo pipefail

packages=(
  build-essential cmake pkg-config
  libsodium-dev libssl-dev
  libprotobuf-dev protobuf-compiler
  libgrpc++-dev protobuf-compiler-grpc
  libcaf-dev prometheus-cpp-dev
  libgtest-dev libgmock-dev
  libcli11-dev nlohmann-json3-dev libsqlite3-dev libexpat1-dev
  prometheus chromium python3 openssl
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "setup: installing ${missing[*]}"
sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
