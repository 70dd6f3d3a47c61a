// Headless Chromium for the browser tests: Debian's /usr/bin/chromium driven by playwright-core.
// Never downloads a browser.
import { type Browser, chromium } from "playwright-core";

/** Where Debian's chromium package puts the browser. */
export const CHROMIUM_PATH = "/usr/bin/chromium";

/** Launches headless Chromium, muted, with autoplay allowed (tests call play() without a gesture). */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--mute-audio",
      "--autoplay-policy=no-user-gesture-required",
    ],
  });
}
