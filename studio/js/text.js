// The route's text as the gateway writes it, and where each JSON path sits in a text.

const TOP = ["name", "comment", "baseURI", "condition", "monitor", "capture", "heap", "handler"];
const HEAP = ["name", "type", "comment", "capture", "config"];

function ordered(obj, first) {
  const out = {};
  for (const key of first) if (key in obj) out[key] = obj[key];
  for (const [key, value] of Object.entries(obj)) if (!(key in out)) out[key] = value;
  return out;
}

// Same order and layout as the gateway's writer (known keys first, 2-space indent, final newline).
export function render(route) {
  const out = ordered(route, TOP);
  if (Array.isArray(out.heap)) out.heap = out.heap.map((h) => (h && typeof h === "object" && !Array.isArray(h) ? ordered(h, HEAP) : h));
  return JSON.stringify(out, null, 2) + "\n";
}

// Line (1-based) of every JSON path's value in `text`: {"$": 1, "$.heap[0].config": 7, ...}.
export function pathLines(text) {
  const found = {};
  let i = 0;
  let line = 1;
  const skip = () => {
    while (i < text.length && /\s/.test(text[i])) { if (text[i] === "\n") line += 1; i += 1; }
  };
  const string = () => {
    const start = i;
    i += 1;
    while (i < text.length && text[i] !== '"') i += text[i] === "\\" ? 2 : 1;
    i += 1;
    return JSON.parse(text.slice(start, i));
  };
  const value = (path) => {
    skip();
    found[path] = line;
    if (text[i] === "{") {
      i += 1; skip();
      while (i < text.length && text[i] !== "}") {
        skip();
        const key = string();
        skip(); i += 1; // the colon
        value(`${path}.${key}`);
        skip();
        if (text[i] === ",") i += 1;
        skip();
      }
      i += 1;
    } else if (text[i] === "[") {
      i += 1; skip();
      for (let n = 0; i < text.length && text[i] !== "]"; n += 1) {
        value(`${path}[${n}]`);
        skip();
        if (text[i] === ",") i += 1;
        skip();
      }
      i += 1;
    } else if (text[i] === '"') {
      string();
    } else {
      while (i < text.length && /[^,\]}\s]/.test(text[i])) i += 1;
    }
  };
  try { value("$"); } catch { /* a text that is not JSON: the lines found so far */ }
  return found;
}

// The line of a path, or of its nearest parent that has one.
export function lineOf(lines, path) {
  for (let p = path; p; p = p.replace(/(\.[^.[\]]+|\[[^\]]*\])$/, "")) {
    if (lines[p]) return lines[p];
    if (p === "$") break;
  }
  return lines.$ || 1;
}
