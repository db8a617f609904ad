// Liveness of the web server itself (dev-up.sh and the chart's probes); it does not
// call the API, whose own health is checked where it runs.
export const dynamic = "force-dynamic";

export function GET(): Response {
  return Response.json({ status: "ok" }, { headers: { "cache-control": "no-store" } });
}
