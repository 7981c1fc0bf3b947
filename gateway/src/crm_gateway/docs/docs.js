"use strict";
// A small reader of /api/openapi.json: operations grouped by tag, with parameters, request
// body and responses. Everything is built with textContent, never innerHTML: descriptions
// come from the services and are shown, not run.

const METHODS = ["get", "post", "put", "patch", "delete", "head", "options"];

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) node.setAttribute(key, value);
  for (const child of children) {
    if (child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

function refName(schema) {
  if (!schema) return "";
  if (schema.$ref) return schema.$ref.split("/").pop();
  if (schema.type === "array") return refName(schema.items) + "[]";
  if (schema.anyOf) return schema.anyOf.map(refName).join(" | ");
  return schema.type || "object";
}

function resolve(spec, schema) {
  if (schema && schema.$ref) {
    const parts = schema.$ref.replace(/^#\//, "").split("/");
    return parts.reduce((node, key) => (node ? node[key] : undefined), spec);
  }
  return schema;
}

function parametersTable(parameters) {
  if (!parameters || !parameters.length) return null;
  const rows = parameters.map((p) =>
    el("tr", {}, el("td", {}, p.name), el("td", {}, p.in), el("td", {}, p.required ? "yes" : ""),
      el("td", {}, refName(p.schema)), el("td", {}, p.description || "")));
  return el("div", {}, el("h4", {}, "Parameters"),
    el("table", {}, el("tr", {}, el("th", {}, "name"), el("th", {}, "in"),
      el("th", {}, "required"), el("th", {}, "type"), el("th", {}, "description")), ...rows));
}

function bodyBlock(spec, body) {
  if (!body || !body.content) return null;
  const blocks = Object.entries(body.content).map(([type, media]) =>
    el("div", {}, el("p", {}, type + ": " + refName(media.schema)),
      el("pre", {}, JSON.stringify(resolve(spec, media.schema), null, 2))));
  return el("div", {}, el("h4", {}, "Request body"), ...blocks);
}

function responsesTable(spec, responses) {
  const rows = Object.entries(responses || {}).map(([status, response]) => {
    const media = response.content ? Object.values(response.content)[0] : null;
    return el("tr", {}, el("td", {}, status), el("td", {}, response.description || ""),
      el("td", {}, media ? refName(media.schema) : ""));
  });
  return el("div", {}, el("h4", {}, "Responses"), el("table", {}, ...rows));
}

function operationBlock(spec, path, method, op) {
  const secured = (op.security || []).length > 0;
  const summary = el("summary", {}, el("span", { class: "method " + method }, method.toUpperCase()),
    path, secured ? el("span", { class: "lock" }, "bearer token") : null,
    op.summary ? el("span", { class: "lock" }, "— " + op.summary) : null);
  return el("details", { "data-search": [path, op.summary || "", (op.tags || []).join(" ")].join(" ").toLowerCase() },
    summary,
    el("div", { class: "op" }, op.description ? el("p", {}, op.description) : null,
      parametersTable(op.parameters), bodyBlock(spec, op.requestBody),
      responsesTable(spec, op.responses)));
}

function render(spec) {
  const groups = new Map();
  for (const [path, item] of Object.entries(spec.paths || {})) {
    for (const method of METHODS) {
      const op = item[method];
      if (!op) continue;
      const tag = (op.tags && op.tags[0]) || path.split("/")[3] || "other";
      if (!groups.has(tag)) groups.set(tag, []);
      groups.get(tag).push(operationBlock(spec, path, method, op));
    }
  }
  const nav = document.getElementById("tags");
  const main = document.getElementById("operations");
  for (const [tag, blocks] of [...groups.entries()].sort()) {
    const id = "tag-" + tag.replace(/[^A-Za-z0-9_-]/g, "-");
    nav.append(el("a", { href: "#" + id }, tag));
    main.append(el("section", { id }, el("h2", {}, tag), ...blocks));
  }
  const missing = (spec.info && spec.info["x-unavailable-services"]) || [];
  const count = main.querySelectorAll("details").length;
  document.getElementById("status").textContent = count + " operations" +
    (missing.length ? "; not available now: " + missing.join(", ") : "");
}

function filter(text) {
  const needle = text.trim().toLowerCase();
  for (const node of document.querySelectorAll("details")) {
    node.hidden = needle !== "" && !node.dataset.search.includes(needle);
  }
}

document.addEventListener("DOMContentLoaded", () => {
  document.getElementById("filter").addEventListener("input", (e) => filter(e.target.value));
  fetch("/api/openapi.json")
    .then((response) => {
      if (!response.ok) throw new Error("HTTP " + response.status);
      return response.json();
    })
    .then(render)
    .catch((error) => {
      const status = document.getElementById("status");
      status.className = "error";
      status.textContent = "Could not load /api/openapi.json: " + error.message;
    });
});
