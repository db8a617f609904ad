"use client";
import Link from "next/link";
import { usePathname, useRouter } from "next/navigation";

import { signOut, useSession } from "@/lib/session";
import { useLiveStatus } from "./Providers";

const LIVE_TEXT = {
  off: "Live updates off",
  connecting: "Connecting live updates…",
  live: "Live",
  reconnecting: "Reconnecting live updates…",
} as const;

export function Header() {
  const session = useSession();
  const status = useLiveStatus();
  const path = usePathname();
  const router = useRouter();
  const link = (href: string, text: string) => (
    <Link href={href} aria-current={path === href || path.startsWith(`${href}/`) ? "page" : undefined}>
      {text}
    </Link>
  );
  return (
    <header className="site-header">
      <a className="skip" href="#main">
        Skip to content
      </a>
      <span className="brand">Todo</span>
      {session && (
        <>
          <nav aria-label="Main">
            {link("/tasks", "Tasks")}
            {link("/series", "Series")}
            {link("/settings", "Settings")}
          </nav>
          <span className={`live live-${status}`} role="status" data-testid="live-status" data-live={status}>
            {LIVE_TEXT[status]}
          </span>
          <span className="user">{session.user}</span>
          <button
            type="button"
            onClick={() => {
              signOut();
              router.push("/signin");
            }}
          >
            Sign out
          </button>
        </>
      )}
    </header>
  );
}
