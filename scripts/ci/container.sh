# Builds the mock's container image (apps/mock-server/Dockerfile) with buildah, daemonless: vfs
# storage under .ci-cache/, chroot isolation, no registry. Sourced by .ci/run after Node 24 is on
# PATH; tooling/repo-checks/src/mock-container.test.ts then runs the image and GETs a route.
#
# This machine can't reach any container registry, so the Dockerfile's default base
# (node:24-bookworm-slim) can't be pulled: the base is assembled here from scratch with the Node 24
# that .ci/run brought and the glibc libraries it links against (Debian bookworm's, as in the
# official image), and given to the Dockerfile as NODE_IMAGE. Everything after FROM is the
# Dockerfile as users build it.
#
#   build_mock_image   # exports SMS_MOCK_IMAGE and SMS_CONTAINER_STORAGE, or SMS_MOCK_IMAGE_ERROR

build_mock_image() {
  local root="$PWD/.ci-cache/containers"
  local storage="--root $root/storage --runroot $root/run --storage-driver vfs"
  local image="localhost/sms-command/mock:ci" base="localhost/sms-command/node-base:24"
  local log="$root/build.log"
  export SMS_CONTAINER_STORAGE="$storage"
  unset SMS_MOCK_IMAGE SMS_MOCK_IMAGE_ERROR
  mkdir -p "$root"
  if ! command -v buildah >/dev/null 2>&1; then
    (apt-get install -y -qq buildah || (apt-get update -qq && apt-get install -y -qq buildah)) >/dev/null 2>&1
  fi
  if ! command -v buildah >/dev/null 2>&1; then
    export SMS_MOCK_IMAGE_ERROR="buildah is not installed and apt-get could not install it"
    return 0
  fi
  if ! _container_build >"$log" 2>&1; then
    export SMS_MOCK_IMAGE_ERROR="the image build failed, see $log: $(tail -n 3 "$log" | tr '\n' ' ')"
    return 0
  fi
  export SMS_MOCK_IMAGE="$image"
  echo "mock image $image built with $(buildah --version)"
}

_container_build() {
  # Every step is checked: this runs inside .ci/run, which has no `set -e`.
  local bh="buildah $storage" node ctr mnt lib
  # shellcheck disable=SC2086
  $bh rmi -f "$image" "$base" >/dev/null 2>&1
  node=$(command -v node) || return 1
  ctr=$($bh from scratch) || return 1
  mnt=$($bh mount "$ctr") || return 1
  mkdir -p "$mnt/usr/local/bin" "$mnt/etc" "$mnt/tmp" "$mnt/app" && chmod 1777 "$mnt/tmp" || return 1
  cp "$node" "$mnt/usr/local/bin/node" || return 1
  for lib in $(ldd "$node" | grep -o '/[^ ]*'); do
    mkdir -p "$mnt$(dirname "$lib")" && cp -L "$lib" "$mnt$lib" || return 1
  done
  printf 'root:x:0:0:root:/root:/bin/sh\nnode:x:1000:1000::/home/node:/bin/sh\n' >"$mnt/etc/passwd"
  printf 'root:x:0:\nnode:x:1000:\n' >"$mnt/etc/group"
  $bh umount "$ctr" >/dev/null || return 1
  $bh config --env PATH=/usr/local/bin:/usr/bin:/bin "$ctr" || return 1
  $bh commit --quiet --rm "$ctr" "$base" >/dev/null || return 1

  # The context is the package as published plus its runtime dependencies: build first (installs
  # the workspace when needed; `npm test` later finds these builds in turbo's cache).
  node scripts/pnpm.mjs exec turbo run build --filter=@sms-command/mock-server... \
    --output-logs=errors-only || return 1
  local context="$root/context"
  rm -rf "$context"
  # The deploy fetches from the registry with Node's TLS, which trusts only Node's own CA list:
  # on a machine behind a TLS-inspecting proxy whose CA the system trusts (curl, apt and npm's
  # `cafile` do), Node gets the system's bundle too ("self-signed certificate in certificate
  # chain" otherwise, under .ci/run's clean environment).
  local cafile="${NODE_EXTRA_CA_CERTS:-$(npm config get cafile 2>/dev/null)}"
  [ -f "$cafile" ] || cafile=/etc/ssl/certs/ca-certificates.crt
  [ -f "$cafile" ] || cafile=""
  env ${cafile:+NODE_EXTRA_CA_CERTS="$cafile"} node scripts/pnpm.mjs --filter @sms-command/mock-server deploy \
    --prod --legacy --config.node-linker=hoisted "$context" || return 1
  $bh bud --isolation chroot --layers=false --build-arg NODE_IMAGE="$base" \
    -f apps/mock-server/Dockerfile -t "$image" "$context" || return 1
}
