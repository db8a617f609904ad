# Builds OCI images without a registry or a container engine: a root filesystem from Debian
# packages (mmdebstrap) or static binaries, packed with umoci, converted with skopeo to a
# docker-archive that containerd imports. The Containerfile next to each image is the same
# recipe for Docker/Buildah on CI runners. Sourced by images/build.sh.

export IMAGES_CACHE="$CACHE/images"
export SUITE=bookworm
# Non-root everywhere: the uid distroless images use.
export NONROOT=65532

# rootfs_debian KEY DEST PACKAGES...  — a minbase Debian with PACKAGES, trimmed of what a
# container never uses (apt, docs, manuals, locales), cached by KEY.
rootfs_debian() {
  local key=$1 dest=$2; shift 2
  local cached="$IMAGES_CACHE/rootfs/$key"
  if [ ! -d "$cached" ]; then
    mkdir -p "$IMAGES_CACHE/rootfs"
    log "mmdebstrap $SUITE minbase + $* (cold: a few minutes)"
    local inc; inc=$(IFS=,; echo "$*")
    nice mmdebstrap --quiet --variant=minbase --include="$inc" \
      --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/doc/*' \
      --dpkgopt='path-exclude=/usr/share/locale/*' --dpkgopt='path-exclude=/usr/share/info/*' \
      --essential-hook='mkdir -p "$1"/usr/share/man/man1' \
      --customize-hook='chroot "$1" dpkg --purge --force-remove-essential --force-depends apt >/dev/null 2>&1 || true' \
      --customize-hook='rm -rf "$1"/var/lib/apt/lists/* "$1"/var/cache/* "$1"/var/log/* "$1"/usr/share/doc "$1"/usr/share/man' \
      "$SUITE" "$cached.tmp" && mv "$cached.tmp" "$cached"
  fi
  rm -rf "$dest" && mkdir -p "$dest"
  cp -a "$cached/." "$dest/"
}

# add_user ROOTFS NAME UID  — a passwd/group entry so tools that look the user up work.
add_user() {
  local root=$1 name=$2 uid=$3
  mkdir -p "$root/etc"
  grep -q "^$name:" "$root/etc/passwd" 2>/dev/null || echo "$name:x:$uid:$uid::/nonexistent:/usr/sbin/nologin" >>"$root/etc/passwd"
  grep -q "^$name:" "$root/etc/group" 2>/dev/null || echo "$name:x:$uid:" >>"$root/etc/group"
}

# What no image of ours runs: perl's modules (pulled in by Debian maintainer scripts;
# perl-base stays), locale sources, documentation.
trim_rootfs() {
  local r=$1
  rm -rf "$r"/usr/share/perl "$r"/usr/lib/x86_64-linux-gnu/perl "$r"/usr/lib/x86_64-linux-gnu/libperl.so* \
    "$r"/usr/share/i18n "$r"/usr/share/doc "$r"/usr/share/man "$r"/usr/share/info "$r"/usr/share/lintian \
    "$r"/usr/share/locale "$r"/var/cache/* "$r"/var/log/* "$r"/var/lib/apt/lists/*
  # Mount points the runtime fills; nothing of the build host stays in them.
  for d in proc sys dev run tmp; do
    mountpoint -q "$r/$d" && die "$r/$d is a mount point; refusing to empty it"
    [ -d "$r/$d" ] && { find "$r/$d" -xdev -mindepth 1 -delete 2>/dev/null || true; }
  done
  [ -d "$r/tmp" ] && chmod 1777 "$r/tmp"
  return 0
}

# pack_image REF TAG ROOTFS [umoci config flags...]  — $IMAGES_CACHE/archives/<name>_<tag>.tar
pack_image() {
  local ref=$1 tag=$2 rootfs=$3; shift 3
  local name=${ref##*/}
  local out oci="$IMAGES_CACHE/work/$name-oci"
  out=$(archive_of "$ref" "$tag")
  mkdir -p "$IMAGES_CACHE/archives"
  trim_rootfs "$rootfs"
  rm -rf "$oci"
  umoci init --layout "$oci"
  umoci new --image "$oci:$tag"
  umoci insert --image "$oci:$tag" "$rootfs" /
  umoci config --image "$oci:$tag" --config.workingdir=/ "$@"
  rm -f "$out.tmp"
  skopeo copy -q "oci:$oci:$tag" "docker-archive:$out.tmp:$ref:$tag"
  mv "$out.tmp" "$out"
  rm -rf "$oci" "$rootfs"
  log "image $ref:$tag: $(du -h "$out" | cut -f1) (archive)"
}

# Archives are keyed by tag and by the build recipe (these scripts), so a changed recipe
# rebuilds images whose tag (kafka:3.9.1, postgres:15) says nothing about it.
RECIPE=$(cat "$P5_ROOT/images/lib.sh" "$P5_ROOT/images/build.sh" | sha256sum | cut -c1-8)
archive_of() { echo "$IMAGES_CACHE/archives/${1//\//_}_$2_$RECIPE.tar"; }
have_image() { [ -f "$(archive_of "$1" "$2")" ]; }
