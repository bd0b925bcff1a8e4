// Show the status issue's body, rendered to HTML in a plain GitHub-like page, in headless Chromium
// (playwright-core, the system's chromium): draw its Mermaid diagram, screenshot the page, and
// report what a person would see: console errors, the headings, the links, the diagram's nodes.
// Run by tests/test_status_issue.py from .cache/playwright: node issue_check.mjs PAGE SHOT.
import { chromium } from "playwright-core";

const [, , pagePath, screenshot] = process.argv;
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
const page = await browser.newPage({ viewport: { width: 1100, height: 900 }, deviceScaleFactor: 1 });
const errors = [];
const outside = [];
page.on("console", message => { if (message.type() === "error") errors.push(message.text()); });
page.on("pageerror", error => errors.push(String(error)));
page.on("request", request => { if (!request.url().startsWith("file://")) outside.push(request.url()); });
await page.goto("file://" + pagePath);
await page.evaluate(async () => {
  if (window.mermaid) {
    window.mermaid.initialize({ startOnLoad: false, securityLevel: "strict", theme: "default" });
    await window.mermaid.run({ querySelector: "pre.mermaid" });
  }
});
const seen = await page.evaluate(() => ({
  headings: [...document.querySelectorAll(".markdown-body h2, .markdown-body h3")].map(h => h.textContent),
  links: [...document.querySelectorAll(".markdown-body a")].map(a => a.getAttribute("href")),
  nodes: document.querySelectorAll(".markdown-body svg .node").length,
  text: document.querySelector(".markdown-body").innerText,
}));
await page.screenshot({ path: screenshot, fullPage: true });
console.log(JSON.stringify({ errors, outside, ...seen }));
await browser.close();
