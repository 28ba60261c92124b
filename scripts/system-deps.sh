#!/usr/bin/env bash
# Installs (as root) or names (otherwise) the Debian packages the test suite talks to:
# the real registry, skopeo/umoci (peer tools), mmdebstrap (real test images), pigz/zstd (benchmarks),
# golang-go (`go version -m`), rpm + db5.3-util (real rpm databases in all formats as catalog oracles),
# libcap2-bin (setcap/getcap: the file-capability oracle), nodejs (dockerfile_lint regexes as
# JavaScript reads them),
# apparmor (`apparmor_parser -Q -K` checks caulk profile apparmor), strace (records the file-access
# profile fixture of caulk defang --from-profile), runc (runs an image under caulk profile seccomp).
set -euo pipefail
PKGS=(docker-registry skopeo umoci mmdebstrap pigz zstd apache2-utils openssl ca-certificates rpm time golang-go db5.3-util libcap2-bin nodejs apparmor strace runc)
# rustc + binutils (objcopy): a real Rust ELF carrying cargo-auditable data; libmaven3-core-java:
# Debian's Maven repository /usr/share/maven-repo (Java catalog oracle); dpkg (version oracle).
PKGS+=(rustc binutils libmaven3-core-java dpkg)
# npm (`npm pack`, `npm ls` oracles): Debian's, unless a nodejs that bundles npm is installed.
command -v npm >/dev/null || PKGS+=(npm)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -eq 0 ]; then
  echo "installing system packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "missing system packages: ${missing[*]}" >&2
  echo "run: sudo apt-get install ${missing[*]}" >&2
  exit 1
fi
