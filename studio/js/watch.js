// The live view of one route: its statistics as numbers and a chart, and its capture records.

import { call, stream } from "./api.js";
import { Chart } from "./chart.js";

const KEEP = 20;
const $ = (sel) => document.querySelector(sel);

export class Watch {
  constructor() {
    this.chart = new Chart($("#chart"), $("#chart-caption"));
    this.abort = null;
    this.route = null;
  }

  async follow(route) {
    if (route === this.route) return;
    if (this.abort) this.abort.abort();
    this.route = route;
    this.chart.reset();
    $("#watch-route").textContent = route ? `— ${route}` : "";
    $("#captures").replaceChildren();
    $("#stats").replaceChildren();
    if (!route) return;
    const { data } = await call("GET", `/admin/api/routes/${encodeURIComponent(route)}/captures`);
    data.records.slice(-KEEP).forEach((r) => this.capture(r));  // oldest first, so the newest ends on top
    this.abort = new AbortController();
    const path = `/admin/api/events?route=${encodeURIComponent(route)}`;
    stream(path, (kind, event) => (kind === "stats" ? this.stats(event) : this.capture(event.record)), this.abort.signal)
      .catch(() => {});
  }

  capture(record) {
    const list = $("#captures");
    const item = document.createElement("li");
    const pre = document.createElement("pre");
    pre.textContent = record;
    item.append(pre);
    list.prepend(item);
    while (list.children.length > KEEP) list.lastElementChild.remove();
  }

  stats(event) {
    const dl = $("#stats");
    const s = event.statistics;
    if (!s) {
      dl.replaceChildren(...term("Statistics", "off for this route: switch on Statistics and deploy"));
      return;
    }
    const r = s.responses;
    const p = s.responseTime.percentiles;
    const rows = [
      ["Requests", s.requests.total], ["Active", s.requests.active],
      ["2xx", r.success], ["3xx", r.redirect], ["4xx", r.clientError], ["5xx", r.serverError],
      ["Throughput (last minute)", `${s.throughput.lastMinute.toFixed(2)}/s`],
      ["Mean time", `${s.responseTime.mean.toFixed(1)} ms`],
      ...Object.entries(p).map(([k, v]) => [`p${Math.round(Number(k) * 100)}`, `${v.toFixed(1)} ms`]),
    ];
    dl.replaceChildren(...rows.flatMap(([k, v]) => term(k, v)));
    this.chart.add(r.total, event.at);
  }
}

function term(name, value) {
  const dt = document.createElement("dt");
  dt.textContent = name;
  const dd = document.createElement("dd");
  dd.textContent = String(value);
  dd.dataset.stat = name;
  return [dt, dd];
}
