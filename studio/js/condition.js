// The condition builder: path prefix or regex, methods, host and one header, written as a `${...}`
// expression; an expression the builder did not write is kept as a raw expression.

const quote = (text) => `'${String(text).replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;
const STRING = "'((?:[^'\\\\]|\\\\.)*)'";
const unquote = (text) => text.replace(/\\(.)/g, "$1");

export function buildCondition(parts) {
  const clauses = [];
  if (parts.prefix) clauses.push(`startsWith(request.uri.path, ${quote(parts.prefix)})`);
  if (parts.regex) clauses.push(`matches(request.uri.path, ${quote(parts.regex)})`);
  const methods = (parts.methods || "").split(/[\s,]+/).filter(Boolean).map((m) => m.toUpperCase());
  if (methods.length === 1) clauses.push(`request.method == ${quote(methods[0])}`);
  if (methods.length > 1) clauses.push(`(${methods.map((m) => `request.method == ${quote(m)}`).join(" || ")})`);
  if (parts.host) clauses.push(`request.uri.host == ${quote(parts.host)}`);
  if (parts.headerName) clauses.push(`request.headers[${quote(parts.headerName)}][0] == ${quote(parts.headerValue || "")}`);
  return clauses.length ? "${" + clauses.join(" && ") + "}" : null;
}

const PATTERNS = [
  [new RegExp(`^startsWith\\(request\\.uri\\.path, ${STRING}\\)$`), (m, p) => { p.prefix = unquote(m[1]); }],
  [new RegExp(`^matches\\(request\\.uri\\.path, ${STRING}\\)$`), (m, p) => { p.regex = unquote(m[1]); }],
  [new RegExp(`^request\\.uri\\.host == ${STRING}$`), (m, p) => { p.host = unquote(m[1]); }],
  [new RegExp(`^request\\.headers\\[${STRING}\\]\\[0\\] == ${STRING}$`), (m, p) => {
    p.headerName = unquote(m[1]); p.headerValue = unquote(m[2]);
  }],
  [new RegExp(`^\\(?((?:request\\.method == '[A-Z]+'(?: \\|\\| )?)+)\\)?$`), (m, p) => {
    p.methods = [...m[1].matchAll(/'([A-Z]+)'/g)].map((x) => x[1]).join(", ");
  }],
];

// The builder's parts for a condition, or null when the builder cannot show it (then it is raw).
export function parseCondition(condition) {
  const parts = { prefix: "", regex: "", methods: "", host: "", headerName: "", headerValue: "" };
  if (condition == null) return parts;
  const inner = /^\$\{(.*)\}$/s.exec(condition);
  if (!inner) return null;
  for (const clause of inner[1].split(" && ")) {
    const found = PATTERNS.find(([re]) => re.test(clause.trim()));
    if (!found) return null;
    found[1](found[0].exec(clause.trim()), parts);
  }
  return buildCondition(parts) === condition ? parts : null;
}
