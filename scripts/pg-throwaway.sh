#!/usr/bin/env bash
# A throwaway PostgreSQL 15 cluster for tests, in a temp folder, on a free loopback port, run
# by an unprivileged user. Installs nothing (scripts/install-deps.sh does). Source it, then:
#
#   pg_throwaway_start   # initdb + start + createdb; exports MITRA_TEST_PG_DSN,
#                        # MITRA_TEST_PG_CTL (pg_ctl wrapper: "$MITRA_TEST_PG_CTL stop|start")
#   pg_throwaway_stop    # stops the cluster and removes the folder
#
# Tests that stop and restart the database under load call "$MITRA_TEST_PG_CTL stop" and
# "$MITRA_TEST_PG_CTL start" (a small script written into the folder).

PG_BIN="${PG_BIN:-/usr/lib/postgresql/15/bin}"

_pg_throwaway_free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

pg_throwaway_start() {
  if [ ! -x "$PG_BIN/initdb" ]; then
    echo "pg-throwaway: $PG_BIN/initdb not found; PostgreSQL tests will be skipped" >&2
    return 0
  fi
  PG_THROWAWAY_DIR="$(mktemp -d /tmp/mitra-pg.XXXXXX)"
  export PG_THROWAWAY_DIR
  local run_as=()
  if [ "$(id -u)" -eq 0 ]; then
    # PostgreSQL refuses to run as root: use the postgres system user (or nobody).
    local user=postgres
    id -u "$user" >/dev/null 2>&1 || user=nobody
    chown "$user" "$PG_THROWAWAY_DIR"
    run_as=(runuser -u "$user" --)
  fi
  local port
  port="$(_pg_throwaway_free_port)"
  local data="$PG_THROWAWAY_DIR/data"
  local log="$PG_THROWAWAY_DIR/server.log"
  "${run_as[@]}" "$PG_BIN/initdb" -D "$data" -U mitra --auth=trust --no-sync \
      --locale=C.UTF-8 --encoding=UTF8 >"$PG_THROWAWAY_DIR/initdb.log" 2>&1 || {
    cat "$PG_THROWAWAY_DIR/initdb.log" >&2
    return 1
  }
  cat >>"$data/postgresql.conf" <<EOF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$PG_THROWAWAY_DIR'
max_connections = 200
fsync = on
synchronous_commit = on
EOF
  # The control script a test uses to stop/start the cluster under load.
  cat >"$PG_THROWAWAY_DIR/pg_ctl.sh" <<EOF
#!/usr/bin/env bash
# usage: pg_ctl.sh stop|start|restart   (throwaway cluster in $PG_THROWAWAY_DIR)
set -e
case "\$1" in
  stop) ${run_as[*]} "$PG_BIN/pg_ctl" -D "$data" -m fast -w stop >>"$log" 2>&1 ;;
  start) ${run_as[*]} "$PG_BIN/pg_ctl" -D "$data" -l "$log" -w start >/dev/null 2>&1 ;;
  restart) ${run_as[*]} "$PG_BIN/pg_ctl" -D "$data" -m fast -l "$log" -w restart \
      >/dev/null 2>&1 ;;
  *) echo "usage: \$0 stop|start|restart" >&2; exit 2 ;;
esac
EOF
  chmod 755 "$PG_THROWAWAY_DIR/pg_ctl.sh"
  "$PG_THROWAWAY_DIR/pg_ctl.sh" start || { cat "$log" >&2; return 1; }
  "$PG_BIN/createdb" -h 127.0.0.1 -p "$port" -U mitra mitra_test || return 1
  export MITRA_TEST_PG_DSN="postgresql://mitra@127.0.0.1:$port/mitra_test"
  export MITRA_TEST_PG_CTL="$PG_THROWAWAY_DIR/pg_ctl.sh"
  echo "pg-throwaway: PostgreSQL on 127.0.0.1:$port ($PG_THROWAWAY_DIR); MITRA_TEST_PG_DSN=$MITRA_TEST_PG_DSN"
}

pg_throwaway_stop() {
  if [ -n "${PG_THROWAWAY_DIR:-}" ] && [ -d "$PG_THROWAWAY_DIR" ]; then
    "$PG_THROWAWAY_DIR/pg_ctl.sh" stop || true
    rm -rf "$PG_THROWAWAY_DIR"
  fi
  unset PG_THROWAWAY_DIR MITRA_TEST_PG_DSN MITRA_TEST_PG_CTL
}
