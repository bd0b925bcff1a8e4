// Load the dashboard in headless Chromium (playwright-core, the system's chromium) at 1,280 px wide and
// report what a person would see: console errors, the sections in order, the graph's nodes and their
// words, every link, whether the page scrolls sideways, the explanation after a click, the filter.
// Run by tests/report/test_html.py from .cache/playwright:
//   node browser_check.mjs PAGE [SCREENSHOT [GRAPH_SCREENSHOT]]
import { chromium } from "playwright-core";

const [, , pagePath, screenshot, graphShot] = process.argv;
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
const errors = [];
page.on("console", message => { if (message.type() === "error") errors.push(message.text()); });
page.on("pageerror", error => errors.push(String(error)));
await page.goto("file://" + pagePath);
const scrollWidth = await page.evaluate(() => document.documentElement.scrollWidth);
const sections = await page.$$eval("body > section", all => all.map(s => ({
  id: s.id, heading: (s.querySelector("h2") || {}).textContent || "",
})));
const verdict = await page.evaluate(() => {
  const first = document.querySelector("body > header, body > section");
  const line = document.getElementById("verdict");
  return { text: line ? line.textContent : "", inHeader: Boolean(line && first && first.contains(line)) };
});
const nodes = await page.$$eval("#graph .node", all => all.map(n => ({
  id: n.dataset.id, cls: n.getAttribute("class"), text: n.textContent,
})));
// Every link, HTML or SVG: its href as written, and the text a person reads.
const links = await page.$$eval("a[href]", all => all.map(a => ({
  href: a.getAttribute("href"), text: a.textContent.trim(),
})));
const ids = await page.$$eval("[id]", all => all.map(e => e.id));
const text = await page.evaluate(() => document.body.innerText);
if (screenshot) await page.screenshot({ path: screenshot, fullPage: true });
if (graphShot) await page.locator("#graph-view").screenshot({ path: graphShot });
await page.click('#graph [data-id="release:chart"]');
const explanation = await page.textContent("#explain");
await page.fill("#filter", "kubespawner");
const filtered = await page.$$eval("#graph .node:not(.hidden)", all => all.length);
await page.fill("#filter", "");
await page.check("#collapse");
const collapsed = await page.$$eval("#graph .node:not(.hidden)", all => all.length);
console.log(JSON.stringify({
  errors, scrollWidth, sections, verdict, nodes, links, ids, text, explanation, filtered, collapsed,
}));
await browser.close();
