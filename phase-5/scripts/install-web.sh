#!/usr/bin/env bash
# Installs the web app's npm packages exactly as package-lock.json pins them and builds it
# (next build). Both are cached: `npm ci` runs only when the lock (or Node) changed since
# the last install, the build only when a source file did. Node.js comes with the machine
# (Node >= 20.9, what Next.js 16 needs); npm's cache lives under $CACHE.
source "$(dirname "$0")/lib/common.sh"

command -v node >/dev/null || die "Node.js is not installed; Next.js 16 needs Node >= 20.9 (Debian 12's nodejs is 18: use NodeSource's or nvm's)"
node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=9)?0:1)' \
  || die "Node.js $(node --version) is too old; Next.js 16 needs >= 20.9"
cd "$P5_ROOT/web"
export npm_config_cache="$CACHE/npm" NEXT_TELEMETRY_DISABLED=1

lock_hash=$( (node --version; cat package.json package-lock.json) | sha256sum | cut -c1-32)
if [ "$(cat node_modules/.p5-lock-hash 2>/dev/null)" != "$lock_hash" ]; then
  log "installing the web app's npm packages (npm ci)"
  nice npm ci --no-audit --no-fund --loglevel=error
  echo "$lock_hash" >node_modules/.p5-lock-hash
fi

# Everything the build reads that is ours; next-env.d.ts and .next are outputs.
src_hash=$( (echo "$lock_hash"; find app components lib public next.config.ts tsconfig.json -type f \
  -print0 | sort -z | xargs -0 sha256sum) | sha256sum | cut -c1-32)
if [ "$(cat .next/.p5-source-hash 2>/dev/null)" != "$src_hash" ] || [ ! -s .next/BUILD_ID ]; then
  log "building the web app (next build)"
  t0=$SECONDS
  mkdir -p "$STATE/logs"
  nice node_modules/.bin/next build >"$STATE/logs/web-build.log" 2>&1 \
    || die "next build failed; see $STATE/logs/web-build.log: $(tail -n 5 "$STATE/logs/web-build.log" | tr '\n' ' ')"
  echo "$src_hash" >.next/.p5-source-hash
  log "web app built in $((SECONDS - t0)) s"
fi
