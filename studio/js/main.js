// The studio page: the routes list, the route editor (form and JSON kept in sync both ways),
// validation as you type, export, deploy and undeploy, try a request, and the live view.

import { ApiError, call, start } from "./api.js";
import { applyDefaults, fillForm, readForm, setPdps, setProviders, showErrors, showPanels } from "./form.js";
import { applyForm, fromRoute } from "./model.js";
import { lineOf, pathLines, render } from "./text.js";
import { Watch } from "./watch.js";

const $ = (sel) => document.querySelector(sel);
const form = $("#form");
const json = $("#json");
const watch = new Watch();
// The route being edited, the file it goes to, and the hash of that file when it was opened.
const state = { route: {}, file: "", hash: null, fileTouched: false, checked: null, errors: [] };
// The global heap's PDPs, as the gateway lists them; a route's own PDPs are added as it changes.
let pdps = [];

function status(text, where = "#status") {
  $(where).textContent = text;
}

function debounce(fn, ms) {
  let timer;
  return (...args) => { clearTimeout(timer); timer = setTimeout(() => fn(...args), ms); };
}

// ---- the routes list ----

async function loadRoutes() {
  const { data } = await call("GET", "/admin/api/routes");
  const rows = data.routes.map((r) => {
    const tr = document.createElement("tr");
    tr.dataset.file = r.file;
    const cells = [r.order, r.name, r.file, r.state, r.condition || "(every request)", r.capabilities.join(", ") || "—",
      r.changedOnDisk ? "changed on disk" : "as loaded"];
    for (const text of cells) {
      const td = document.createElement("td");
      td.textContent = String(text);
      tr.append(td);
    }
    tr.children[3].className = `state ${r.state}`;
    if (r.errors.length) {
      const list = document.createElement("ul");
      list.className = "route-errors";
      list.replaceChildren(...r.errors.map((e) => {
        const li = document.createElement("li");
        li.textContent = `${e.path}: ${e.message}`;
        return li;
      }));
      tr.children[3].append(list);
    }
    const td = document.createElement("td");
    const open = document.createElement("button");
    open.type = "button";
    open.textContent = "Open";
    open.setAttribute("aria-label", `Open ${r.name}`);
    open.addEventListener("click", () => openFile(r.file));
    td.append(open);
    tr.append(td);
    return tr;
  });
  $("#routes-table tbody").replaceChildren(...rows);
  return data.routes;
}

// ---- the editor ----

function setFile(file, touched) {
  state.file = file;
  $("#f-file").value = file;
  if (touched !== undefined) state.fileTouched = touched;
}

function show(route, { fromJson = false } = {}) {
  state.route = route;
  if (!fromJson) json.value = render(route);
  setPdps(form, pdps, route);
  fillForm(form, fromRoute(route));
  gutter();
  validate();
}

async function openFile(file) {
  const { data } = await call("GET", `/admin/api/files/${encodeURIComponent(file)}`);
  state.hash = data.hash;
  setFile(file, true);
  json.value = data.text;
  show(data.route || {}, { fromJson: true });
  $("#undeploy").disabled = false;
  status(`Opened ${file} (${data.state ? data.state.state : "not loaded"})`, "#deploy-status");
  watch.follow(data.route && data.route.name ? data.route.name : file.replace(/\.json$/, ""));
  $("#editor").focus();
}

function newRoute() {
  state.hash = null;
  setFile("", false);
  $("#undeploy").disabled = true;
  show({ handler: "ClientHandler" });
  status("New route: fill in the form or write the JSON", "#deploy-status");
  $("#f-name").focus();
}

function formChanged(event) {
  const key = event.target.dataset.field;
  if (event.target.type === "checkbox" && event.target.checked) applyDefaults(form, key);
  showPanels(form);
  const values = readForm(form);
  state.route = applyForm(state.route, values);
  json.value = render(state.route);
  if (!state.fileTouched && !state.hash) setFile(values.name ? `60-${values.name.replace(/[^A-Za-z0-9_-]/g, "-")}.json` : "");
  gutter();
  validate();
}

function jsonChanged() {
  let route;
  try { route = JSON.parse(json.value); } catch { route = null; }
  if (route && typeof route === "object" && !Array.isArray(route)) {
    state.route = route;
    setPdps(form, pdps, route);
    fillForm(form, fromRoute(route));
  }
  gutter();
  validate();
}

// ---- validation as you type ----

const validate = debounce(async () => {
  const text = json.value;
  try {
    const { data } = await call("POST", "/admin/api/validate", { file: state.file || "draft.json", text });
    if (json.value !== text) return;
    state.checked = data.text;
    state.errors = data.errors;
    showValidation(data.errors);
  } catch (error) {
    status(error.message);
  }
}, 250);

function showValidation(errors) {
  const left = showErrors(form, state.route, errors);
  const lines = pathLines(json.value);
  const items = errors.map((e) => {
    const li = document.createElement("li");
    const line = /line (\d+)/.exec(e.message);
    li.textContent = `line ${line ? line[1] : lineOf(lines, e.path)}: ${e.path}: ${e.message}`;
    return li;
  });
  if (!errors.length) {
    const li = document.createElement("li");
    li.className = "ok";
    li.textContent = "No problems: ready to deploy.";
    items.push(li);
  }
  $("#json-errors").replaceChildren(...items);
  gutter(errors.map((e) => { const m = /line (\d+)/.exec(e.message); return m ? Number(m[1]) : lineOf(lines, e.path); }));
  return left;
}

function gutter(marked = []) {
  const count = json.value.split("\n").length;
  const bad = new Set(marked);
  const spans = [];
  for (let n = 1; n <= count; n += 1) {
    const span = document.createElement("span");
    span.textContent = `${n}\n`;
    if (bad.has(n)) span.className = "bad";
    spans.push(span);
  }
  $("#gutter").replaceChildren(...spans);
  $("#gutter").scrollTop = json.scrollTop;
}

// ---- export, deploy, undeploy ----

async function checkedText() {
  const { data } = await call("POST", "/admin/api/validate", { file: state.file || "draft.json", text: json.value });
  return data;
}

async function download() {
  const data = await checkedText();
  if (data.text === null) { status("The JSON does not parse: fix it first", "#deploy-status"); return; }
  const link = document.createElement("a");
  link.href = URL.createObjectURL(new Blob([data.text], { type: "application/json" }));
  link.download = state.file || "route.json";
  link.click();
  URL.revokeObjectURL(link.href);
}

async function copy() {
  const data = await checkedText();
  if (data.text === null) { status("The JSON does not parse: fix it first", "#deploy-status"); return; }
  await navigator.clipboard.writeText(data.text);
  status("Copied the route file's text", "#deploy-status");
}

async function deploy() {
  const file = $("#f-file").value.trim();
  if (!file) { status("Give the file a name, e.g. 60-my-route.json", "#deploy-status"); $("#f-file").focus(); return; }
  const condition = state.hash ? { "If-Match": `"${state.hash}"` } : { "If-None-Match": "*" };
  try {
    const { data } = await call("PUT", `/admin/api/files/${encodeURIComponent(file)}`, { text: json.value }, condition);
    state.hash = data.hash;
    setFile(file, true);
    json.value = data.text;
    gutter();
    $("#undeploy").disabled = false;
    status(`Deployed ${file}: ${data.state ? data.state.state : "written"}`, "#deploy-status");
    await loadRoutes();
    watch.follow(state.route.name || file.replace(/\.json$/, ""));
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    if (error.body.errors) showValidation(error.body.errors);
    status(`Not deployed: ${error.message}`, "#deploy-status");
  }
}

async function undeploy() {
  try {
    const { data } = await call("DELETE", `/admin/api/files/${encodeURIComponent(state.file)}`, undefined, { "If-Match": `"${state.hash}"` });
    status(`Undeployed ${data.file}; kept as ${data.keptAs}`, "#deploy-status");
    state.hash = null;
    $("#undeploy").disabled = true;
    await loadRoutes();
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    status(`Not undeployed: ${error.message}`, "#deploy-status");
  }
}

// ---- try it ----

async function tryIt(event) {
  event.preventDefault();
  const headers = Object.fromEntries($("#t-headers").value.split("\n").map((l) => l.trim()).filter(Boolean)
    .map((l) => [l.slice(0, l.indexOf(":")).trim(), l.slice(l.indexOf(":") + 1).trim()]));
  const body = { method: $("#t-method").value, path: $("#t-path").value, headers, body: $("#t-body").value };
  try {
    const { data } = await call("POST", "/admin/api/try", body);
    const head = data.headers.map(([k, v]) => `${k}: ${v}`).join("\n");
    $("#t-response").textContent = `${data.status} ${data.reason || ""} (${data.ms} ms)\n${head}\n\n${data.body}`;
  } catch (error) {
    $("#t-response").textContent = `Not sent: ${error.message}`;
  }
}

async function main() {
  const context = await start();
  setProviders(form, context.providers);
  pdps = context.pdps || [];
  // Text fields as they are typed in; switches, choices and lists once they change.
  const picked = (e) => e.target.type === "checkbox" || e.target.type === "radio" || e.target.tagName === "SELECT";
  form.addEventListener("input", (e) => { if (!picked(e)) formChanged(e); });
  form.addEventListener("change", (e) => { if (picked(e)) formChanged(e); });
  form.addEventListener("submit", (e) => e.preventDefault());
  json.addEventListener("input", debounce(jsonChanged, 200));
  json.addEventListener("scroll", () => { $("#gutter").scrollTop = json.scrollTop; });
  $("#f-file").addEventListener("input", () => { state.file = $("#f-file").value.trim(); state.fileTouched = true; });
  $("#new-route").addEventListener("click", newRoute);
  $("#refresh-routes").addEventListener("click", loadRoutes);
  $("#deploy").addEventListener("click", deploy);
  $("#undeploy").addEventListener("click", undeploy);
  $("#download").addEventListener("click", download);
  $("#copy").addEventListener("click", copy);
  $("#try-form").addEventListener("submit", tryIt);
  status(context.main ? `Main listener: ${context.main}` : "");
  await loadRoutes();
  newRoute();
}

main().catch((error) => status(`The studio could not start: ${error.message}`));
