// Under each <picture>: the candidate the browser chose, and what each format weighs at that
// width (HEAD requests: the page's server does no I/O per image; resizer answers with
// Content-Length, rendering the rendition if it has to).
"use strict";

function candidates(srcset) {
  return srcset.split(/,\s+/).map((item) => {
    const [url, descriptor] = item.trim().split(/\s+/);
    return { url: new URL(url, document.baseURI).href, width: parseInt(descriptor, 10) };
  });
}

function kilobytes(bytes) {
  return bytes < 1024 ? `${bytes} B` : `${(bytes / 1024).toFixed(1)} kB`;
}

async function weigh(url) {
  const response = await fetch(url, { method: "HEAD" });
  return response.ok ? kilobytes(parseInt(response.headers.get("Content-Length"), 10)) : `HTTP ${response.status}`;
}

async function describe(figure) {
  const img = figure.querySelector("img");
  const stats = figure.querySelector("[data-stats]");
  const chosen = [...figure.querySelectorAll("source"), img]
    .flatMap((element) => candidates(element.getAttribute("srcset")))
    .find((candidate) => candidate.url === img.currentSrc);
  if (!chosen) {
    stats.textContent = `chose ${img.currentSrc}`;
    return;
  }
  const formats = [...figure.querySelectorAll("source"), img].map((element) => ({
    label: element.getAttribute("type") || "original format",
    url: candidates(element.getAttribute("srcset")).find((candidate) => candidate.width === chosen.width).url,
  }));
  const weights = await Promise.all(formats.map((format) => weigh(format.url)));
  stats.textContent =
    `${img.naturalWidth}×${img.naturalHeight} shown, ${chosen.width}w candidate chosen · ` +
    formats.map((format, index) => `${format.label}: ${weights[index]}`).join(" · ");
  stats.dataset.done = "";
}

function watch(figure) {
  const img = figure.querySelector("img");
  const run = () => describe(figure).catch((error) => { figure.querySelector("[data-stats]").textContent = String(error); });
  if (img.complete && img.naturalWidth) run();
  else img.addEventListener("load", run, { once: true });
}

document.addEventListener("DOMContentLoaded", () => document.querySelectorAll("figure.hero").forEach(watch));
