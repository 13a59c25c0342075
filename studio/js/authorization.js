// The authorization panel's share of the route: a PolicyEnforcementFilter's config <-> form fields.
// Keys the form does not show (action, subjectId, context, OpenIG's OpenAM fields, cache.size)
// are kept as they were.

const lines = (text) => (text || "").split("\n").map((l) => l.trim()).filter(Boolean);
const list = (text) => (text || "").split(/[\s,]+/).filter(Boolean);
// Durations may be written as numbers of seconds; keep them numbers so the file round-trips.
const duration = (text) => (text === "" ? undefined : /^\d+(\.\d+)?$/.test(text) ? Number(text) : text);
// "action on [type] id": a type is a word; an id starts with anything else (/ or ${ as a rule).
const TYPED = /^(\S+)\s+on\s+([A-Za-z][\w.:-]*)\s+(.+)$/;
const UNTYPED = /^(\S+)\s+on\s+(.+)$/;

export function requirementLine(r) {
  const type = r.resourceType == null ? "" : `${r.resourceType} `;
  return `${r.action ?? ""} on ${type}${r.resourceId ?? ""}`.trim();
}

// A line that does not read "action on [type] id" is passed on as it is, so the linter names it.
export function parseRequirement(line) {
  const typed = TYPED.exec(line);
  if (typed) return { action: typed[1], resourceType: typed[2], resourceId: typed[3] };
  const untyped = UNTYPED.exec(line);
  return untyped ? { action: untyped[1], resourceId: untyped[2] } : { action: line };
}

// The form's fields read from the filter's config.
export function authorizationFields(on, cfg) {
  const cache = cfg.cache && typeof cfg.cache === "object" ? cfg.cache : {};
  return {
    authorization: on, pdp: typeof cfg.pdp === "string" ? cfg.pdp : "",
    resources: (cfg.resources || []).join("\n"), resourceType: cfg.resourceType || "",
    claims: (cfg.claims || []).join(", "),
    requirements: (cfg.requirements || []).map(requirementLine).join("\n"),
    onError: cfg.onError == null ? "" : String(cfg.onError), stepUp: cfg.login != null,
    decisionCache: cache.enabled !== false,
    cacheTtl: cache.ttl == null ? "" : String(cache.ttl), cacheDenyTtl: cache.denyTtl == null ? "" : String(cache.denyTtl),
    policyHeaders: Object.entries(cfg.headers || {}).map(([k, v]) => `${k}: ${v}`).join("\n"),
  };
}

function headerPairs(text) {
  return Object.fromEntries(lines(text).map((l) => {
    const at = l.indexOf(":");
    return at < 0 ? [l, ""] : [l.slice(0, at).trim(), l.slice(at + 1).trim()];
  }));
}

// The filter's config keys from the form; `old` is the config as it was (its other keys stay), and
// `login` the name of the route's browser login, through which a step-up goes.
export function authorizationConfig(f, old, login) {
  const cache = { ...(old.cache && typeof old.cache === "object" ? old.cache : {}) };
  const put = (key, value) => { if (value === undefined) delete cache[key]; else cache[key] = value; };
  put("enabled", f.decisionCache ? undefined : false);
  put("ttl", duration(f.cacheTtl));
  put("denyTtl", duration(f.cacheDenyTtl));
  const headers = headerPairs(f.policyHeaders);
  return {
    // "As written" keeps a PDP declared inline in the filter (an object, not a name).
    pdp: f.pdp || (old.pdp && typeof old.pdp === "object" ? old.pdp : undefined),
    resources: lines(f.resources).length ? lines(f.resources) : undefined,
    resourceType: f.resourceType || undefined,
    claims: list(f.claims).length ? list(f.claims) : undefined,
    requirements: lines(f.requirements).length ? lines(f.requirements).map(parseRequirement) : undefined,
    onError: f.onError === "" ? undefined : Number(f.onError),
    login: !f.stepUp ? undefined : old.login != null ? old.login : login,
    cache: Object.keys(cache).length ? cache : undefined,
    headers: Object.keys(headers).length ? headers : undefined,
  };
}
