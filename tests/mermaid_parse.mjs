// Parse a Mermaid file with the real mermaid parser (run by tests/report/test_mermaid.py from .cache/mermaid).
import { JSDOM } from "jsdom";
import fs from "node:fs";
const dom = new JSDOM("<!doctype html><html><body></body></html>");
globalThis.window = dom.window;
globalThis.document = dom.window.document;
const { default: mermaid } = await import("mermaid");
mermaid.initialize({ startOnLoad: false });
const text = fs.readFileSync(process.argv[2], "utf8");
try {
  const result = await mermaid.parse(text);
  console.log(JSON.stringify({ ok: true, type: result.diagramType }));
} catch (error) {
  console.log(JSON.stringify({ ok: false, error: String(error.message || error) }));
  process.exit(1);
}
