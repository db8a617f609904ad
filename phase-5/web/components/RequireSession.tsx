"use client";
// Pages behind sign-in: without a (still valid) token, go to /signin and come back after.
import { usePathname, useRouter } from "next/navigation";
import { useEffect, type ReactNode } from "react";

import { useSession } from "@/lib/session";

export function RequireSession({ children }: { children: ReactNode }) {
  const session = useSession();
  const router = useRouter();
  const path = usePathname();
  useEffect(() => {
    if (session === null) router.replace(`/signin?next=${encodeURIComponent(path)}`);
  }, [session, router, path]);
  if (!session) return <p aria-busy="true">Loading…</p>;
  return <>{children}</>;
}
