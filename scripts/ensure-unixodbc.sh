#!/usr/bin/env bash
# Makes sure unixODBC's driver manager (libodbc.so.2, which pyodbc links to) is present.
# It is the one system library the project needs; everything else lives in the project folder.
# As root it installs Debian's unixodbc (and FreeTDS's tdsodbc, the open second driver);
# otherwise it stops with the exact command to run.
set -euo pipefail

have_lib() { ldconfig -p 2>/dev/null | grep -q "$1"; }

have_freetds() { compgen -G '/usr/lib/*/odbc/libtdsodbc.so' >/dev/null; }

if have_lib 'libodbc.so.2' && { have_freetds || [ "$(id -u)" != 0 ]; }; then
    exit 0
fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "bootstrap: installing unixODBC and FreeTDS (apt-get install -y unixodbc tdsodbc)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq --no-install-recommends unixodbc tdsodbc >/dev/null
    exit 0
fi
if have_lib 'libodbc.so.2'; then
    exit 0
fi
# One line, so it stays readable above make's own error line.
echo "bootstrap: unixODBC's driver manager (libodbc.so.2) is missing; run: sudo apt-get update && sudo apt-get install -y unixodbc" >&2
exit 1
