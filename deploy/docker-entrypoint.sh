#!/bin/sh
# The container's start: wait for the database, then run the command (by default `backpain serve`,
# which migrates and seeds before it serves; replicas pass `--no-prepare` and leave that to one job).
set -eu
backpain wait-db
if [ "$#" -eq 0 ]; then
    set -- backpain serve
fi
exec "$@"
