// One way to call the API: the saved key goes in X-API-Key, errors become ApiError with the
// server's RFC 9457 `detail`, so every page can show the reason instead of a stack trace.
const KEY_STORAGE = "reelstack.key";

export class ApiError extends Error {
  constructor(status, detail) {
    super(detail);
    this.status = status;
  }
}

export const apiKey = {
  get: () => localStorage.getItem(KEY_STORAGE) || "",
  set: (key) => (key ? localStorage.setItem(KEY_STORAGE, key) : localStorage.removeItem(KEY_STORAGE)),
};

/** "/v1/search" + {q: "cat", k: 20} -> "/v1/search?q=cat&k=20" (empty values dropped). */
export function withQuery(path, params = {}) {
  const query = new URLSearchParams();
  Object.entries(params).forEach(([name, value]) => {
    if (value === undefined || value === null || value === "") return;
    (Array.isArray(value) ? value : [value]).forEach((v) => query.append(name, v));
  });
  const text = query.toString();
  return text ? `${path}?${text}` : path;
}

async function request(method, path, { params, body, signal } = {}) {
  const headers = {};
  if (apiKey.get()) headers["X-API-Key"] = apiKey.get();
  let payload;
  if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    payload = JSON.stringify(body);
  }
  const response = await fetch(withQuery(path, params), { method, headers, body: payload, signal });
  const type = response.headers.get("content-type") || "";
  const data = type.includes("json") ? await response.json() : await response.text();
  if (!response.ok) {
    const detail = (data && data.detail) || response.statusText || "request failed";
    throw new ApiError(response.status, typeof detail === "string" ? detail : JSON.stringify(detail));
  }
  return data;
}

export const api = {
  get: (path, params, options = {}) => request("GET", path, { ...options, params }),
  post: (path, body, options = {}) => request("POST", path, { ...options, body }),
};

/**
 * A src for <img>/<video>, which cannot send headers. Without a key (the loopback demo) it is
 * the route itself; with one, the bytes are fetched with the header into an object URL
 * (short clips, so buffering the whole file is fine).
 */
export async function mediaSrc(path) {
  if (!apiKey.get()) return path;
  const response = await fetch(path, { headers: { "X-API-Key": apiKey.get() } });
  if (!response.ok) throw new ApiError(response.status, `could not load ${path}`);
  return URL.createObjectURL(await response.blob());
}
