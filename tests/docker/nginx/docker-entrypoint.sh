#!/bin/sh
# Like the official image's entrypoint: run /docker-entrypoint.d/*.sh when starting nginx.
set -e
if [ "$1" = nginx ] || [ "$1" = nginx-debug ]; then
    for f in /docker-entrypoint.d/*.sh; do
        [ -f "$f" ] || continue
        echo "$0: running $f"
        "$f"
    done
    echo "$0: configuration complete; ready for start up"
fi
exec "$@"
