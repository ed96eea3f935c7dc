# Shared by scripts/run, scripts/test and bench/run. Source it; do not run it.

repo_root() { cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd; }

# build DIR [cmake args...]: configure once, then build everything.
build_tree() {
  local dir="$1"; shift
  local root; root="$(repo_root)"
  if [ ! -f "$dir/CMakeCache.txt" ]; then
    cmake -S "$root" -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null
  else
    cmake "$dir" "$@" >/dev/null
  fi
  cmake --build "$dir" -j "$(nproc)"
}

# A TCP port on 127.0.0.1 that nothing listens on right now.
free_port() {
  local port
  for _ in $(seq 1 200); do
    port=$(( (RANDOM % 30000) + 20000 ))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "$port"; return 0
    fi
  done
  echo "no free port found" >&2; return 1
}

# start_private_mosquitto DIR PORT: a broker of our own, never the system service.
start_private_mosquitto() {
  local dir="$1" port="$2"
  mkdir -p "$dir"
  {
    echo "listener $port 127.0.0.1"
    echo "allow_anonymous true"
    echo "persistence false"
    echo "log_dest file $dir/mosquitto.log"
    # As root, mosquitto would drop to the 'mosquitto' user and lose access to $dir.
    [ "$(id -u)" -eq 0 ] && echo "user root"
  } > "$dir/mosquitto.conf"
  mosquitto -c "$dir/mosquitto.conf" &
  MOSQUITTO_PID=$!
  for _ in $(seq 1 100); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then return 0; fi
    sleep 0.05
  done
  echo "mosquitto did not start; see $dir/mosquitto.log" >&2
  return 1
}
