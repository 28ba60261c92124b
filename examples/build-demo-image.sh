#!/usr/bin/env bash
# Builds examples/demo-image/: a small, real, deliberately unsafe image that `make demo` scans offline.
#
#   layer 1  Debian 12 packages from the archive (apt-get download): base-files, busybox-static (a shell
#            and ~400 applet links incl. wget/nc), passwd (setuid chfn/chsh/gpasswd/passwd), with a
#            matching /var/lib/dpkg/status, info/*.list and *.md5sums built from the packages' control data
#   layer 2  old PyPI packages with known advisories (pip --target, .dist-info kept)
#   layer 3  an npm node_modules with old lodash and minimist (npm install --ignore-scripts)
#   config   runs as root (no User), a token in Env, CMD /bin/sh
#
# Needs root (keeps owners and setuid bits), apt lists (`apt-get update`), pip, npm, umoci, GNU tar.
# Deterministic for the same package versions: fixed mtimes, sorted tars, fixed created timestamps.
set -euo pipefail
cd "$(dirname "$0")"
OUT=demo-image
EPOCH=1700000000
ISO=2023-11-14T22:13:20Z
export SOURCE_DATE_EPOCH=$EPOCH LC_ALL=C.UTF-8 TZ=UTC
PIP=${PIP:-pip3}
DEBS=(base-files busybox-static passwd)
PYPI=(requests==2.19.0 urllib3==1.24.1 PyYAML==5.1)
NPM=(lodash@4.17.4 minimist@0.0.8)

[ "$(id -u)" -eq 0 ] || { echo "run as root (file owners and setuid bits must survive)" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Same slimming as the test images' dpkg path-excludes: no man pages, locales, docs but copyright.
slim() { rm -rf "$1/usr/share/man" "$1/usr/share/locale" "$1/usr/share/info" "$1/usr/share/lintian"
         find "$1/usr/share/doc" -mindepth 2 -maxdepth 2 ! -name copyright -exec rm -rf {} +; }
is_kept() { grep -Ev '^/usr/share/(man|locale|info|lintian)(/|$)' \
              | awk '!/^\/usr\/share\/doc\/[^\/]+\/./ || /^\/usr\/share\/doc\/[^\/]+\/copyright$/'; }

layer_tar() {  # DIR OUT.tar: deterministic, Docker-style member names (no ./ prefix)
  (cd "$1" && find . -mindepth 1 -maxdepth 1 -printf '%P\n' | sort) > "$work/top"
  tar --sort=name --numeric-owner --format=pax \
      --pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime \
      --mtime="@$EPOCH" -C "$1" -cf "$2" -T "$work/top"
}

# --- layer 1: Debian packages --------------------------------------------------------------------
root=$work/l1
mkdir -p "$work/debs" "$root/var/lib/dpkg/info" "$root/root" "$root/tmp"
chmod 0700 "$root/root"; chmod 1777 "$root/tmp"
(cd "$work/debs" && apt-get download -q "${DEBS[@]}" >/dev/null)
: > "$root/var/lib/dpkg/status"
for deb in "$work/debs"/*.deb; do
  pkg=$(dpkg-deb -f "$deb" Package)
  dpkg-deb -x "$deb" "$root"
  dpkg-deb -e "$deb" "$work/ctl-$pkg"
  for f in md5sums conffiles; do
    [ -f "$work/ctl-$pkg/$f" ] && cp "$work/ctl-$pkg/$f" "$root/var/lib/dpkg/info/$pkg.$f"
  done
  dpkg-deb --fsys-tarfile "$deb" | tar -t | sed -e 's|^\./|/|' -e 's|/$||' -e 's|^$|/.|' \
    | is_kept > "$root/var/lib/dpkg/info/$pkg.list"
  # The status stanza is the package's control data plus the Status dpkg adds after install.
  dpkg-deb -f "$deb" | awk 'NR==1{print; print "Status: install ok installed"; next} {print}' \
    >> "$root/var/lib/dpkg/status"
  echo >> "$root/var/lib/dpkg/status"
done
slim "$root"
# busybox applets as symlinks (what `busybox --install -s` makes), minus ones the debs provide.
"$root/bin/busybox" --list-full | while read -r applet; do
  [ -e "$root/$applet" ] || [ -L "$root/$applet" ] || { mkdir -p "$root/$(dirname "$applet")"
    ln -s /bin/busybox "$root/$applet"; }
done
# What base-passwd's postinst would have written.
printf 'root:x:0:0:root:/root:/bin/sh\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n' > "$root/etc/passwd"
printf 'root:x:0:\ndaemon:x:1:\nshadow:x:42:\nnogroup:x:65534:\n' > "$root/etc/group"
printf 'root:*:19675:0:99999:7:::\ndaemon:*:19675:0:99999:7:::\nnobody:*:19675:0:99999:7:::\n' > "$root/etc/shadow"
chmod 0640 "$root/etc/shadow"; chgrp 42 "$root/etc/shadow"
layer_tar "$root" "$work/l1.tar"

# --- layer 2: old Python packages ----------------------------------------------------------------
site=$work/l2/usr/local/lib/python3.11/site-packages
mkdir -p "$site"
"$PIP" install -q --disable-pip-version-check --no-deps --no-compile --no-cache-dir \
  --target "$site" "${PYPI[@]}" 2>&1 | grep -v -e "^WARNING: Location" -e "^WARNING: Running pip as" || true
rm -rf "$site/bin"
layer_tar "$work/l2" "$work/l2.tar"

# --- layer 3: old npm packages -------------------------------------------------------------------
app=$work/l3/app
mkdir -p "$app"
printf '{\n  "name": "demo-app",\n  "version": "1.0.0",\n  "private": true\n}\n' > "$app/package.json"
(cd "$app" && npm install --silent --ignore-scripts --no-audit --no-fund --save-exact "${NPM[@]}")
# Lockfiles without registry URLs (npm accepts that); everything else as npm wrote it.
for lock in "$app/package-lock.json" "$app/node_modules/.package-lock.json"; do
  [ -f "$lock" ] && python3 - "$lock" <<'EOF'
import json, sys
path = sys.argv[1]
data = json.load(open(path))
for entry in data.get("packages", {}).values():
    entry.pop("resolved", None)
json.dump(data, open(path, "w"), indent=2)
open(path, "a").write("\n")
EOF
done
layer_tar "$work/l3" "$work/l3.tar"

# --- the OCI layout -------------------------------------------------------------------------------
rm -rf "$OUT"
umoci init --layout "$OUT"
umoci new --image "$OUT:latest"
add() { umoci raw add-layer --image "$OUT:latest" --history.created "$ISO" --history.created_by "$2" "$1"; }
add "$work/l1.tar" "dpkg --install ${DEBS[*]}"
add "$work/l2.tar" "/bin/sh -c pip install --target /usr/local/lib/python3.11/site-packages ${PYPI[*]}"
add "$work/l3.tar" "/bin/sh -c cd /app && npm install ${NPM[*]}"
umoci config --image "$OUT:latest" --created "$ISO" --os linux --architecture amd64 \
  --config.env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
  --config.env API_TOKEN=demo-0f3c9a7e51b24d68a3e9c0d7b6f1e2a4 \
  --config.workingdir /app --config.cmd /bin/sh \
  --history.created "$ISO" --history.created_by 'ENV API_TOKEN=… ; WORKDIR /app ; CMD ["/bin/sh"]'
umoci gc --layout "$OUT"
chmod -R a+rX "$OUT"
du -sh "$OUT"
