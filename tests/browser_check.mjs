// Load the dashboard in headless Chromium (playwright-core, the system's chromium) and report
// what a person would see: console errors, the graph's nodes, the explanation after a click.
// Run by tests/report/test_html.py from .cache/playwright.
import { chromium } from "playwright-core";

const [, , pagePath, screenshot] = process.argv;
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
const page = await browser.newPage({ viewport: { width: 1600, height: 1200 } });
const errors = [];
page.on("console", message => { if (message.type() === "error") errors.push(message.text()); });
page.on("pageerror", error => errors.push(String(error)));
await page.goto("file://" + pagePath);
const nodes = await page.$$eval("#graph .node", all => all.map(n => ({ id: n.dataset.id, cls: n.getAttribute("class") })));
await page.click('[data-id="release:chart"]');
const explanation = await page.textContent("#explain");
await page.screenshot({ path: screenshot, fullPage: true });
await page.fill("#filter", "kubespawner");
const filtered = await page.$$eval("#graph .node:not(.hidden)", all => all.length);
await page.fill("#filter", "");
await page.check("#collapse");
const collapsed = await page.$$eval("#graph .node:not(.hidden)", all => all.length);
console.log(JSON.stringify({ errors, nodes, explanation, filtered, collapsed }));
await browser.close();
