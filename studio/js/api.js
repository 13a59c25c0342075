// The admin API, as the studio uses it: JSON in and out, the CSRF token on every call, and the
// bearer token (asked once, kept for the tab) when the gateway requires one.

let csrf = "";
const TOKEN = "studio-token";

function headers(extra = {}) {
  const out = { "X-CSRF-Token": csrf, ...extra };
  const token = sessionStorage.getItem(TOKEN);
  if (token) out.Authorization = `Bearer ${token}`;
  return out;
}

export class ApiError extends Error {
  constructor(status, body) {
    super((body && body.message) || `HTTP ${status}`);
    this.status = status;
    this.body = body || {};
  }
}

export async function call(method, path, body, extra = {}) {
  const init = { method, headers: headers(extra), credentials: "same-origin" };
  if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers["Content-Type"] = "application/json";
  }
  const response = await fetch(path, init);
  const type = response.headers.get("Content-Type") || "";
  const data = type.startsWith("application/json") ? await response.json() : await response.text();
  if (response.status === 401) {
    const token = window.prompt("This gateway's studio needs its token (studio.token):");
    if (token) {
      sessionStorage.setItem(TOKEN, token.trim());
      return call(method, path, body, extra);
    }
  }
  if (!response.ok) throw new ApiError(response.status, data);
  return { data, headers: response.headers };
}

export async function start() {
  const { data } = await call("GET", "/admin/api/studio");
  csrf = data.csrf;
  return data;
}

// Server-sent events read with fetch, so that the bearer token can go in a header.
export async function stream(path, onEvent, signal) {
  const response = await fetch(path, { headers: headers(), signal });
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value;
    let end;
    while ((end = buffer.indexOf("\n\n")) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const kind = (/^event: (.*)$/m.exec(block) || [])[1];
      const data = (/^data: (.*)$/m.exec(block) || [])[1];
      if (kind && data) onEvent(kind, JSON.parse(data));
    }
  }
}
