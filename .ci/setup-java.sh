#!/usr/bin/env bash
# A Java runtime for the Spark engine's parity tests (PySpark starts a JVM; 17 or later).
set -euo pipefail
if ! command -v java >/dev/null 2>&1; then
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  $SUDO apt-get update
  $SUDO apt-get install -y default-jre-headless
fi
java -version
