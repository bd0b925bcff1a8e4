// Load the graph picture (a standalone SVG, or a page embedding it) in headless Chromium
// (playwright-core, the system's chromium) and report what a person would see and do:
// console errors, each node's status words, the legend, wheel zoom, drag pan, the fit button,
// and a collapsed group opening and closing. Run by tests/report/test_svg.py from .cache/playwright.
import { chromium } from "playwright-core";

const [, , pagePath, screenshot] = process.argv;
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
const errors = [];
page.on("console", message => { if (message.type() === "error") errors.push(message.text()); });
page.on("pageerror", error => errors.push(String(error)));
await page.goto("file://" + pagePath);

const nodes = await page.$$eval("#graph .node", all => all.map(n => {
  const status = n.querySelector("text.status");
  const box = n.getBoundingClientRect();
  return { id: n.dataset.id, kind: n.dataset.kind, status: n.dataset.status,
           shown: status ? status.textContent : "", width: box.width };
}));
const legend = await page.$$eval("#graph .legend .legend-item", all => all.length);
const transform = () => page.$eval("#graph .viewport", v => v.getAttribute("transform") || "");
const zoomNow = () => page.$eval("#graph", g => g.getAttribute("data-zoom"));

const result = { errors, nodes, legend };
const target = await page.$("#graph .node:not(.lane):not(.member)");
if (target) {
  const box = await target.boundingBox();
  await page.evaluate(() => {
    window.clicked = false;
    document.querySelectorAll("#graph .node").forEach(n => n.addEventListener("click", () => { window.clicked = true; }));
  });
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await page.mouse.wheel(0, -400);
  await page.waitForTimeout(100);
  result.zoomed = await zoomNow();
  result.before = await transform();
  const start = await target.boundingBox();
  await page.mouse.move(start.x + 10, start.y + 10);
  await page.mouse.down();
  await page.mouse.move(start.x + 130, start.y + 60, { steps: 6 });
  await page.mouse.up();
  result.panned = await transform();
  result.clickedAfterDrag = await page.evaluate(() => window.clicked);
  await page.click('#graph [data-graph-zoom="fit"]');
  result.fit = await zoomNow();
}
const group = await page.$("#graph .node.group");
if (group) {
  const id = await group.getAttribute("data-id");
  const open = () => page.$eval(`#graph .members[data-group="${id}"]`, p => p.classList.contains("expanded"));
  const before = await open();
  await group.click();
  const opened = await open();
  const expanded = await group.getAttribute("aria-expanded");
  await group.click();
  result.group = { before, open: opened, after: await open(), expanded };
}
await page.screenshot({ path: screenshot });
console.log(JSON.stringify(result));
await browser.close();
