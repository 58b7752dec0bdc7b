# Sourced by .ci/run: Debian's qemu-user (and the arm64 C library the emulated binary loads), so
# apps/agent/test/compiled.test.ts can start the one-file agent on an old x86-64 CPU model
# (`qemu-x86_64 -cpu Nehalem`: no AVX/AVX2) and on an emulated arm64 CPU. Without them those
# tests are skipped with a reason.
qemu_missing=""
command -v qemu-x86_64 >/dev/null 2>&1 || qemu_missing="$qemu_missing qemu-user"
[ -e /usr/aarch64-linux-gnu/lib/ld-linux-aarch64.so.1 ] || qemu_missing="$qemu_missing libc6-arm64-cross"
if [ -n "$qemu_missing" ]; then
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $qemu_missing) >/dev/null 2>&1 \
    || echo "warning: could not install$qemu_missing (the emulated one-file agent tests are skipped)"
fi
unset qemu_missing
