#!/usr/bin/env bash
# Runs CMD with a throwaway PostgreSQL cluster: bash Tests/postgres/with-postgres.sh swift test
#
# Creates a cluster in a temporary folder (UTF-8, C.UTF-8 locale), starts it on 127.0.0.1 on a free port with its
# unix socket in the same folder, creates a user and a database, exports MINSHENG_TEST_POSTGRES_URL and runs CMD
# (`minsheng serve --database "$MINSHENG_TEST_POSTGRES_URL"` puts a server on it). The cluster is stopped and removed on exit, whatever happens;
# the exit code is CMD's. Needs the server binaries (Debian: apt-get install postgresql); without them CMD runs
# alone, unless MINSHENG_REQUIRE_POSTGRES=1 (CI), which makes that an error. As root, the cluster runs as the user
# `postgres` (PostgreSQL refuses to run as root).
set -euo pipefail

if [[ $# -eq 0 ]]; then echo "usage: $0 CMD [ARGS...]" >&2; exit 2; fi

bindir=""
for d in /usr/lib/postgresql/*/bin /usr/local/pgsql/bin; do
    if [[ -x "$d/initdb" && -x "$d/pg_ctl" ]]; then bindir="$d"; fi  # the last (highest) version wins
done
if [[ -z "$bindir" ]] && command -v initdb >/dev/null && command -v pg_ctl >/dev/null; then
    bindir="$(dirname "$(command -v initdb)")"
fi
if [[ -z "$bindir" ]]; then
    echo "with-postgres: no initdb/pg_ctl found (install PostgreSQL: apt-get install -y postgresql)" >&2
    # CI must not skip the PostgreSQL leg; locally, run CMD anyway (the store suite says it ran on SQLite only).
    if [[ "${MINSHENG_REQUIRE_POSTGRES:-0}" == 1 ]]; then exit 1; fi
    echo "with-postgres: running without PostgreSQL" >&2
    exec "$@"
fi

tmp="$(mktemp -d /tmp/minsheng-pg.XXXXXX)"
chmod 755 "$tmp"
as_owner=()
if [[ "$(id -u)" == 0 ]]; then
    id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
    chown postgres "$tmp"
    as_owner=(runuser -u postgres --)
fi
data="$tmp/data"
# Run in the cluster's folder: the working directory may be closed to `postgres` (a checkout under /root).
as_pg() { (cd "$tmp" && "${as_owner[@]}" "$@"); }
started=0
cleanup() {
    if [[ $started == 1 ]]; then as_pg "$bindir/pg_ctl" -D "$data" -m immediate -w stop >/dev/null 2>&1 || true; fi
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# A free port on loopback, asked of the kernel.
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
password="minsheng-$RANDOM$RANDOM"
printf '%s\n' "$password" > "$tmp/pw"
chmod 644 "$tmp/pw"

# C.UTF-8: a UTF-8 locale that exists everywhere (under plain C, pg_trgm would extract nothing from Chinese).
as_pg "$bindir/initdb" -D "$data" --encoding=UTF8 --locale=C.UTF-8 --username=postgres \
    --auth-local=trust --auth-host=scram-sha-256 --pwfile="$tmp/pw" >"$tmp/initdb.log" 2>&1 \
    || { cat "$tmp/initdb.log" >&2; echo "with-postgres: initdb failed" >&2; exit 1; }
# A throwaway cluster: room for the tests' parallel pools, and no fsync (nothing here must survive a crash) unless
# MINSHENG_PG_DURABLE=1 (for benchmarks that must count durable commits).
opts="-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$tmp -c max_connections=400"
if [[ "${MINSHENG_PG_DURABLE:-0}" != 1 ]]; then opts="$opts -c fsync=off -c synchronous_commit=off -c full_page_writes=off"; fi
# Extra server settings for benchmarks, e.g. MINSHENG_PG_OPTS="-c shared_buffers=4GB -c max_wal_size=8GB".
opts="$opts ${MINSHENG_PG_OPTS:-}"
as_pg "$bindir/pg_ctl" -D "$data" -l "$tmp/server.log" -w -t 60 start -o "$opts" \
    >/dev/null || { cat "$tmp/server.log" >&2; echo "with-postgres: the server did not start" >&2; exit 1; }
started=1

psql_() { as_pg "$bindir/psql" -h "$tmp" -p "$port" -U postgres -v ON_ERROR_STOP=1 -qAt "$@"; }
# The test user may create databases (one per test run, or per test, from the template).
psql_ -d postgres -c "CREATE ROLE minsheng LOGIN CREATEDB PASSWORD '$password'" >/dev/null
psql_ -d postgres -c "CREATE DATABASE minsheng OWNER minsheng" >/dev/null

export MINSHENG_TEST_POSTGRES_URL="postgres://minsheng:$password@127.0.0.1:$port/minsheng?sslmode=disable"
# For outage tests: `"$MINSHENG_TEST_POSTGRES_CTL" crash` kills the server at once (SIGKILL to the postmaster and every
# backend: a power cut, as far as the clients can tell), `… start` starts it again (crash recovery), `… status`.
cat > "$tmp/pgctl" <<CTL
#!/usr/bin/env bash
set -euo pipefail
cd "$tmp"
case "\${1:-}" in
    crash)
        pid=\$(head -1 "$data/postmaster.pid" 2>/dev/null || true)
        [[ -n "\$pid" ]] || { echo "pgctl: not running" >&2; exit 1; }
        # The postmaster first, then its children (a killed postmaster leaves them running otherwise).
        kids=\$(pgrep -P "\$pid" || true)
        kill -KILL "\$pid" \$kids 2>/dev/null || true
        for _ in \$(seq 1 100); do kill -0 "\$pid" 2>/dev/null || break; sleep 0.05; done
        ;;
    start) ${as_owner[*]:-} "$bindir/pg_ctl" -D "$data" -l "$tmp/server.log" -w -t 60 start -o "$opts" >/dev/null ;;
    status) ${as_owner[*]:-} "$bindir/pg_ctl" -D "$data" status >/dev/null ;;
    *) echo "usage: pgctl crash|start|status" >&2; exit 2 ;;
esac
CTL
chmod 755 "$tmp/pgctl"
export MINSHENG_TEST_POSTGRES_CTL="$tmp/pgctl"
echo "with-postgres: PostgreSQL $("$bindir/postgres" --version | awk '{print $3}') on 127.0.0.1:$port (cluster $data)" >&2

set +e
"$@"
rc=$?
set -e
exit $rc
