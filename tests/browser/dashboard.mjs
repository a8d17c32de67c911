// Renders the dashboard in Debian's Chromium (headless, through playwright-core) and prints
// what a reader would see as JSON on stdout: console errors, requests other than the page
// itself, and the plotted values of the overall compliance chart (date → value, read from
// the rendered DOM). Saves a full-page screenshot.
//
// Usage: node tests/browser/dashboard.mjs PAGE.html SCREENSHOT.png [--viewport]
// (--viewport: only the first screen, as the README shows it)
// Environment: CHROMIUM (default /usr/bin/chromium); playwright-core found through
// NODE_PATH or target/tools/node_modules.
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import path from "node:path";

const [page, shot, mode] = process.argv.slice(2);
if (!page || !shot) {
  console.error("usage: dashboard.mjs PAGE.html SCREENSHOT.png");
  process.exit(2);
}
const here = path.dirname(new URL(import.meta.url).pathname);
const require = createRequire(path.join(here, "../../target/tools/package.json"));
const { chromium } = require("playwright-core");

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
  ],
});
const url = pathToFileURL(path.resolve(page)).href;
const errors = [];
const requests = [];
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const tab = await context.newPage();
  tab.on("console", (m) => {
    if (m.type() === "error" || m.type() === "warning") errors.push(m.text());
  });
  tab.on("pageerror", (e) => errors.push(String(e)));
  tab.on("request", (r) => {
    if (r.url() !== url) requests.push(r.url());
  });
  await tab.goto(url, { waitUntil: "load" });
  const overall = await tab.$$eval('[data-series="overall"] circle', (cs) =>
    Object.fromEntries(cs.map((c) => [c.dataset.date, c.dataset.value])),
  );
  // Every chart drew inside its box: a point outside the viewBox would be a plotting bug.
  const outside = await tab.$$eval("svg.chart", (svgs) =>
    svgs.flatMap((s) => {
      const box = s.viewBox.baseVal;
      return [...s.querySelectorAll("circle")]
        .filter((c) => c.cx.baseVal.value < 0 || c.cx.baseVal.value > box.width || c.cy.baseVal.value < 0 || c.cy.baseVal.value > box.height)
        .map((c) => `${s.dataset.chart}: ${c.dataset.date}`);
    }),
  );
  await tab.screenshot({ path: shot, fullPage: mode !== "--viewport" });
  console.log(JSON.stringify({ errors, requests, overall, outside }));
} finally {
  // playwright gives the browser a new, empty profile of its own and removes it.
  await browser.close();
}
