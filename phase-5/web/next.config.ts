import type { NextConfig } from "next";

// The browser only ever talks to this origin (app/api/v1 proxies to the API), so the
// policy can say connect-src 'self'. Next's hydration scripts are inline: 'unsafe-inline'
// for scripts is the price of static pages without per-request nonces.
const csp = [
  "default-src 'self'",
  "script-src 'self' 'unsafe-inline'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "worker-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'self'",
  "form-action 'self'",
].join("; ");

const standalone = process.env.WEB_OUTPUT === "standalone";

const config: NextConfig = {
  poweredByHeader: false,
  reactStrictMode: true,
  // A gzip stream holds back small writes: the live event stream must reach the browser
  // event by event. Static assets are small; a cluster's ingress compresses them.
  compress: false,
  // `WEB_OUTPUT=standalone` (the image build) bundles a server that needs no node_modules.
  output: standalone ? "standalone" : undefined,
  // The build directory is the root of what the server needs (no monorepo above it).
  outputFileTracingRoot: standalone ? process.cwd() : undefined,
  async headers() {
    return [
      {
        source: "/:path*",
        headers: [
          { key: "Content-Security-Policy", value: csp },
          { key: "X-Content-Type-Options", value: "nosniff" },
          { key: "Referrer-Policy", value: "no-referrer" },
          { key: "X-Frame-Options", value: "DENY" },
        ],
      },
      {
        source: "/sw.js",
        headers: [{ key: "Cache-Control", value: "no-cache" }],
      },
    ];
  },
};

export default config;
