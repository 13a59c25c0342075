// The form's fields: read them into a state object, fill them from one, and show errors beside them.

const $ = (sel, root = document) => root.querySelector(sel);
const $$ = (sel, root = document) => [...root.querySelectorAll(sel)];

export function readForm(form) {
  const state = { points: [] };
  for (const el of $$("[data-field]", form)) {
    const key = el.dataset.field;
    if (key === "points") { if (el.checked) state.points.push(el.value); }
    else if (el.type === "radio") { if (el.checked) state[key] = el.value; }
    else if (el.type === "checkbox") state[key] = el.checked;
    else state[key] = el.value.trim();
  }
  return state;
}

export function fillForm(form, state) {
  for (const el of $$("[data-field]", form)) {
    const key = el.dataset.field;
    const value = state[key];
    if (key === "points") el.checked = (value || []).includes(el.value);
    else if (el.type === "radio") el.checked = el.value === value;
    else if (el.type === "checkbox") el.checked = !!value;
    else if (el.tagName === "SELECT") setSelect(el, value || "");
    else el.value = value ?? "";
  }
  showPanels(form);
}

function setSelect(select, value) {
  if (value && ![...select.options].some((o) => o.value === value)) select.append(new Option(value, value));
  select.value = value || (select.options[0] ? select.options[0].value : "");
}

// Settings of a switched-off capability are hidden; the raw or builder condition, whichever is chosen.
export function showPanels(form) {
  for (const panel of $$("fieldset.panel", form)) {
    const toggle = $("legend input[type=checkbox]", panel);
    const settings = $(".settings", panel);
    if (toggle && settings) settings.hidden = !toggle.checked;
  }
  const raw = $("input[name=conditionMode][value=raw]", form).checked;
  $(".builder", form).hidden = raw;
  $(".raw", form).hidden = !raw;
}

// Sensible starting values when a capability is switched on.
export const DEFAULTS = {
  capture: { points: ["request", "response"] },
  throttling: { numberOfRequests: "10", duration: "1 minute", grouping: "${contexts.client.remoteAddress}" },
  monitor: { percentiles: "0.5, 0.9, 0.99" },
  login: { identityHeaders: "X-User: ${identity.sub}" },
  // The first PDP offered: a route with authorization on almost always wants one.
  authorization: { decisionCache: true, pdp: (form) => ([...$("select.pdps", form).options].find((o) => o.value) || {}).value },
};

export function applyDefaults(form, key) {
  const wanted = DEFAULTS[key];
  if (!wanted) return;
  const state = readForm(form);
  for (const [field, value] of Object.entries(wanted)) {
    const empty = Array.isArray(state[field]) ? state[field].length === 0 : !state[field];
    if (empty) state[field] = typeof value === "function" ? value(form) : value;
  }
  fillForm(form, state);
}

export function setProviders(form, providers) {
  for (const select of $$("select.providers", form)) {
    select.replaceChildren(...providers.map((p) => new Option(`${p.displayName} (${p.name})`, p.name)));
  }
}

// The PDPs a route may name: the global heap's (from the gateway) and the route's own heap objects.
export const PDP_TYPES = ["PolicyDecisionPoint", "AuthZenPdp", "OpenAmPdp"];

export function setPdps(form, global, route) {
  const own = (Array.isArray(route && route.heap) ? route.heap : [])
    .filter((h) => h && PDP_TYPES.includes(h.type) && typeof h.name === "string")
    .map((h) => ({ name: h.name, label: `${h.name} (${h.type}, this route)` }));
  const shared = global.filter((p) => !own.some((o) => o.name === p.name))
    .map((p) => ({ name: p.name, label: `${p.name} (${p.type})` }));
  const select = $("select.pdps", form);
  const value = select.value;
  // The empty choice keeps what the JSON says instead: an inline PDP, or OpenIG's openamUrl fields.
  const none = new Option("As written in the JSON (inline, or OpenIG's openamUrl)", "");
  select.replaceChildren(none, ...own.concat(shared).map((p) => new Option(p.label, p.name)));
  if (value) setSelect(select, value);
}

// Which form element and which panel's message an error path belongs to.
const TYPE_PANEL = {
  CaptureDecorator: "capture", ThrottlingFilter: "throttling", MappedThrottlingPolicy: "throttling",
  OidcLoginFilter: "authentication", BearerTokenFilter: "authentication", DeviceFlowFilter: "authentication",
  HeaderFilter: "headers",
  PolicyEnforcementFilter: "authorization", PolicyDecisionPoint: "authorization", AuthZenPdp: "authorization",
  OpenAmPdp: "authorization",
};
const CONFIG_FIELD = {
  "rate.numberOfRequests": "numberOfRequests", "rate.duration": "duration", rate: "numberOfRequests",
  requestGroupingPolicy: "grouping", throttlingRatePolicy: "rateMapper", maxEntityLength: "maxEntityLength",
  masks: "masks", captureEntity: "captureEntity", audience: "audience", scopes: "scopes",
  identityHeaders: "identityHeaders", add: "addHeaders", remove: "removeHeaders",
  pdp: "pdp", resources: "resources", resourceType: "resourceType", claims: "claims", requirements: "requirements",
  onError: "onError", login: "stepUp", "cache.ttl": "cacheTtl", "cache.denyTtl": "cacheDenyTtl", cache: "decisionCache",
  headers: "policyHeaders",
};
const PROVIDER_FIELD = { OidcLoginFilter: "loginProvider", BearerTokenFilter: "bearerProvider", DeviceFlowFilter: "deviceProvider" };

export function placeError(route, path) {
  const top = /^\$\.(\w+)/.exec(path);
  if (!top) return { panel: "name", field: null };
  const key = top[1];
  if (["name", "baseURI", "condition"].includes(key)) return { panel: key, field: key === "condition" ? null : key };
  if (key === "monitor") return { panel: "monitor", field: "percentiles" };
  if (key === "capture") return { panel: "capture", field: null };
  const heap = /^\$\.heap\[(\d+)\](?:\.config\.?(.*))?/.exec(path);
  if (!heap) return { panel: null, field: null };
  const item = (route && Array.isArray(route.heap) && route.heap[Number(heap[1])]) || {};
  const panel = TYPE_PANEL[item.type] || null;
  const sub = heap[2] || "";
  const field = sub.startsWith("provider") ? PROVIDER_FIELD[item.type]
    : CONFIG_FIELD[Object.keys(CONFIG_FIELD).find((k) => sub === k || sub.startsWith(`${k}.`) || sub.startsWith(`${k}[`)) || ""] || null;
  return { panel, field };
}

export function showErrors(form, route, errors) {
  for (const p of $$("p.error", form)) p.textContent = "";
  for (const el of $$("[aria-invalid]", form)) { el.removeAttribute("aria-invalid"); el.removeAttribute("aria-errormessage"); }
  const left = [];
  for (const error of errors) {
    const { panel, field } = placeError(route, error.path);
    const box = panel && $(`#e-${panel}`, form);
    if (!box) { left.push(error); continue; }
    box.textContent += `${box.textContent ? "\n" : ""}${error.path}: ${error.message}`;
    const el = field && $(`#f-${field}`, form);
    if (el) { el.setAttribute("aria-invalid", "true"); el.setAttribute("aria-errormessage", box.id); }
  }
  return left;
}
