// Route JSON <-> the form's state. The form owns a few keys (name, baseURI, condition, monitor,
// capture, and one heap object per capability, found by its type); everything else in the route,
// including keys written by hand inside the objects the form edits, is left as it was.

import { authorizationConfig, authorizationFields } from "./authorization.js";
import { buildCondition, parseCondition } from "./condition.js";

export const OWNED = {
  capture: { type: "CaptureDecorator", name: "capture" },
  throttling: { type: "ThrottlingFilter", name: "throttle" },
  login: { type: "OidcLoginFilter", name: "login" },
  bearer: { type: "BearerTokenFilter", name: "bearer" },
  device: { type: "DeviceFlowFilter", name: "device" },
  authorization: { type: "PolicyEnforcementFilter", name: "authorize" },
  headers: { type: "HeaderFilter", name: "headers" },
};
// The order filters run in: throttle before login, so that floods never reach the provider;
// authorize after authentication, so that the PDP is asked about a known subject.
const FILTERS = ["throttling", "bearer", "device", "login", "authorization", "headers"];
const DEFAULT_PERCENTILES = "0.5, 0.9, 0.99";
const POINTS = ["request", "filtered_request", "response", "filtered_response"];

const lines = (text) => (text || "").split("\n").map((l) => l.trim()).filter(Boolean);
const pairs = (text, sep) => Object.fromEntries(lines(text).map((l) => {
  const at = l.indexOf(sep);
  return at < 0 ? [l, ""] : [l.slice(0, at).trim(), l.slice(at + 1).trim()];
}));
const unpairs = (obj, sep) => Object.entries(obj || {}).map(([k, v]) => `${k}${sep} ${Array.isArray(v) ? v.join(", ") : v}`).join("\n");
const list = (text) => (text || "").split(/[\s,]+/).filter(Boolean);

function heapItem(route, key) {
  const heap = Array.isArray(route.heap) ? route.heap : [];
  const { type, name } = OWNED[key];
  return heap.find((h) => h && h.type === type && (key !== "capture" || h.name === name));
}

function chainFilters(route) {
  const h = route.handler;
  return h && typeof h === "object" && h.type === "Chain" && h.config && Array.isArray(h.config.filters) ? h.config.filters : [];
}

function basics(route) {
  const condition = typeof route.condition === "string" ? route.condition : null;
  const parts = parseCondition(condition);
  const monitor = route.monitor;
  const points = route.capture == null ? [] : [].concat(route.capture.points || route.capture);
  return {
    name: route.name || "", baseURI: route.baseURI || "",
    conditionMode: parts ? "builder" : "raw", conditionRaw: condition || "", ...(parts || {}),
    capture: points.length > 0, points: points.includes("all") ? POINTS : points,
    monitor: monitor === true || (monitor && typeof monitor === "object" && monitor.enabled !== false),
    percentiles: monitor && typeof monitor === "object" && monitor.percentiles ? monitor.percentiles.join(", ") : DEFAULT_PERCENTILES,
  };
}

function capabilities(item, cfg) {
  const rate = cfg("throttling").rate || {};
  const policy = cfg("throttling").throttlingRatePolicy;
  const mapped = policy && policy.config ? policy.config : {};
  const auth = cfg("login").identityHeaders || cfg("bearer").identityHeaders || cfg("device").identityHeaders;
  return {
    captureEntity: !!cfg("capture").captureEntity, maxEntityLength: cfg("capture").maxEntityLength ?? "",
    masks: ((cfg("capture").masks || {}).headers || []).join(", "),
    throttling: !!item("throttling"), numberOfRequests: rate.numberOfRequests ?? "", duration: rate.duration ?? "",
    grouping: cfg("throttling").requestGroupingPolicy || "", rateMapper: mapped.throttlingRateMapper || "",
    mappedRates: Object.entries(mapped.throttlingRatesMapping || {}).map(([k, r]) => `${k} = ${r.numberOfRequests} / ${r.duration}`).join("\n"),
    login: !!item("login"), loginProvider: (cfg("login").providers || [])[0] || "",
    bearer: !!item("bearer"), bearerProvider: cfg("bearer").provider || "",
    audience: cfg("bearer").audience || "", scopes: (cfg("bearer").scopes || []).join(" "),
    device: !!item("device"), deviceProvider: cfg("device").provider || "",
    identityHeaders: unpairs(auth, ":"),
    headers: !!item("headers"),
    addHeaders: unpairs(cfg("headers").add, ":"), removeHeaders: (cfg("headers").remove || []).join(", "),
  };
}

// The form's state read from a route.
export function fromRoute(route) {
  const item = (key) => heapItem(route, key);
  const cfg = (key) => (item(key) && item(key).config) || {};
  return { ...basics(route), ...capabilities(item, cfg), ...authorizationFields(!!item("authorization"), cfg("authorization")) };
}

function setKey(obj, key, value) {
  if (value === undefined || value === null || value === "") delete obj[key];
  else obj[key] = value;
}

// Config of one capability from the form; keys the form does not know stay as they were.
function configs(f, old, loginName) {
  const rates = Object.fromEntries(lines(f.mappedRates).map((l) => {
    const m = /^(.+?)\s*=\s*(\d+)\s*\/\s*(.+)$/.exec(l);
    return m ? [m[1], { numberOfRequests: Number(m[2]), duration: m[3] }] : [l, {}];
  }));
  const ids = pairs(f.identityHeaders, ":");
  const idh = Object.keys(ids).length ? ids : undefined;
  return {
    capture: { captureEntity: f.captureEntity || undefined, maxEntityLength: f.maxEntityLength === "" ? undefined : Number(f.maxEntityLength),
      masks: list(f.masks).length ? { ...(old.capture.masks || {}), headers: list(f.masks) } : undefined },
    throttling: { requestGroupingPolicy: f.grouping || undefined,
      rate: f.numberOfRequests === "" && !f.duration ? undefined
        : { numberOfRequests: f.numberOfRequests === "" ? f.numberOfRequests : Number(f.numberOfRequests), duration: f.duration },
      throttlingRatePolicy: f.rateMapper ? { type: "MappedThrottlingPolicy", config: {
        throttlingRateMapper: f.rateMapper, throttlingRatesMapping: rates } } : undefined },
    login: { providers: f.loginProvider ? [f.loginProvider] : [], identityHeaders: idh },
    bearer: { provider: f.bearerProvider, audience: f.audience || undefined,
      scopes: list(f.scopes).length ? list(f.scopes) : undefined, identityHeaders: idh },
    device: { provider: f.deviceProvider, identityHeaders: idh },
    authorization: authorizationConfig(f, old.authorization, loginName),
    headers: { messageType: (old.headers.messageType) || "REQUEST",
      add: Object.keys(pairs(f.addHeaders, ":")).length ? Object.fromEntries(Object.entries(pairs(f.addHeaders, ":")).map(([k, v]) => [k, [v]])) : undefined,
      remove: list(f.removeHeaders).length ? list(f.removeHeaders) : undefined },
  };
}

function applyHeap(route, f) {
  const heap = Array.isArray(route.heap) ? route.heap : [];
  const old = Object.fromEntries(Object.keys(OWNED).map((k) => [k, (heapItem(route, k) || {}).config || {}]));
  const fresh = configs(f, old, (heapItem(route, "login") || OWNED.login).name);
  const on = { capture: f.capture && (f.captureEntity || f.maxEntityLength !== "" || list(f.masks).length > 0),
    throttling: f.throttling, login: f.login, bearer: f.bearer, device: f.device, headers: f.headers,
    authorization: f.authorization };
  const names = {};
  for (const key of Object.keys(OWNED)) {
    const existing = heapItem(route, key);
    if (!on[key]) {
      if (existing) heap.splice(heap.indexOf(existing), 1);
      continue;
    }
    const item = existing || { name: OWNED[key].name, type: OWNED[key].type, config: {} };
    if (!existing) heap.push(item);
    item.config = item.config || {};
    for (const [k, v] of Object.entries(fresh[key])) setKey(item.config, k, v);
    names[key] = item.name;
  }
  setKey(route, "heap", heap.length ? heap : undefined);
  return { names, removed: Object.keys(OWNED).map((k) => OWNED[k].name) };
}

function applyChain(route, f, names) {
  const ownedNames = new Set(Object.values(OWNED).map((o) => o.name).concat(Object.values(names)));
  const others = chainFilters(route).filter((n) => typeof n !== "string" || !ownedNames.has(n));
  const filters = FILTERS.filter((k) => names[k]).map((k) => names[k]).concat(others);
  const h = route.handler;
  const inner = h && typeof h === "object" && h.type === "Chain" ? (h.config || {}).handler : (h || "ClientHandler");
  if (!filters.length) {
    route.handler = inner || "ClientHandler";
    return;
  }
  if (h && typeof h === "object" && h.type === "Chain") h.config.filters = filters;
  else route.handler = { type: "Chain", config: { filters, handler: inner } };
}

// The route with the form's state written into it (a new object; `route` is not changed).
export function applyForm(route, f) {
  const out = JSON.parse(JSON.stringify(route || {}));
  setKey(out, "name", f.name);
  setKey(out, "baseURI", f.baseURI);
  setKey(out, "condition", f.conditionMode === "raw" ? f.conditionRaw : buildCondition(f));
  const pct = list(f.percentiles).map(Number);
  const monitor = !f.monitor ? undefined
    : (f.percentiles.replace(/\s/g, "") === DEFAULT_PERCENTILES.replace(/\s/g, "") ? true : { enabled: true, percentiles: pct });
  setKey(out, "monitor", monitor);
  setKey(out, "capture", f.capture && f.points.length ? f.points : undefined);
  const { names } = applyHeap(out, f);
  applyChain(out, f, names);
  return out;
}
