#!/usr/bin/env bash
# Builds and runs one silo (Embedded profile unless ReturnsActors__Profile says otherwise), then walks a demo
# return through its lifecycle over the HTTP API. The silo keeps running until Ctrl+C.
#   scripts/run.sh                  Embedded, HTTP on 127.0.0.1:5080
#   scripts/run.sh --ReturnsActors:Http:Port=6080
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet build src/Silo/ReturnsActors.Silo -c Release -nologo -v quiet
cd src/Silo/ReturnsActors.Silo/bin/Release/net10.0
exec dotnet ReturnsActors.Silo.dll demo "$@"
