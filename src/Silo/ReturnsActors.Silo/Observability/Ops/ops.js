// The operations page: reads /v1/kpis, the task queue stats and /v1/advisory/model with the operator's API key, draws plain SVG.
(function () {
  "use strict";
  const QUEUES = ["review", "fraud", "inspection_exception", "escalations"];
  const SVG = "http://www.w3.org/2000/svg";
  const SLA = ["Ok", "Warning", "Breached"];
  const $ = (id) => document.getElementById(id);
  const store = window.sessionStorage;

  function headers() {
    const h = { "X-Api-Key": store.getItem("ra.apiKey") || "" };
    const tenant = store.getItem("ra.tenant");
    if (tenant) h["X-Tenant-Id"] = tenant;
    return h;
  }

  async function get(path) {
    const response = await fetch(path, { headers: headers() });
    if (!response.ok) {
      let detail = response.statusText;
      try { const p = await response.json(); detail = p.detail || p.title || detail; } catch (e) { /* not a problem document */ }
      throw new Error(response.status + ": " + detail);
    }
    return response.json();
  }

  function status(text, isError) {
    const el = $("status");
    el.textContent = text;
    el.className = isError ? "error" : "";
  }

  function pick(obj, path) {
    return path.split(".").reduce((o, k) => (o == null ? o : o[k]), obj);
  }

  function format(value, kind) {
    if (value === null || value === undefined) return "—";
    if (kind === "percent") return (value * 100).toFixed(1) + "%";
    return String(value);
  }

  function clear(el) { while (el.firstChild) el.removeChild(el.firstChild); }

  function cell(row, text, cls, href) {
    const td = row.insertCell();
    if (cls) td.className = cls;
    if (href) {
      const a = document.createElement("a");
      a.href = href;
      a.textContent = text;
      td.appendChild(a);
    } else {
      td.textContent = text;
    }
    return td;
  }

  function listLink(params) { return "#list?" + new URLSearchParams(params).toString(); }

  function svgEl(name, attrs, text) {
    const el = document.createElementNS(SVG, name);
    for (const k in attrs) el.setAttribute(k, attrs[k]);
    if (text !== undefined) el.textContent = text;
    return el;
  }

  // Vertical bars, one per period, labelled every few periods.
  function columnChart(container, points, cls) {
    clear(container);
    const w = 600, h = 180, pad = 24, max = Math.max(1, ...points.map((p) => p.count));
    const svg = svgEl("svg", { viewBox: "0 0 " + w + " " + h, role: "img", "aria-label": "chart" });
    const step = (w - pad * 2) / Math.max(1, points.length);
    const every = Math.ceil(points.length / 8);
    svg.appendChild(svgEl("text", { x: 2, y: 12 }, String(max)));
    points.forEach((p, i) => {
      const bh = (h - pad * 2) * p.count / max;
      const bar = svgEl("rect", { x: pad + i * step + 1, y: h - pad - bh, width: Math.max(1, step - 2), height: bh, class: "bar " + (cls || "") });
      bar.appendChild(svgEl("title", {}, p.label + ": " + p.count));
      svg.appendChild(bar);
      if (i % every === 0) svg.appendChild(svgEl("text", { x: pad + i * step, y: h - 6 }, p.label.slice(5)));
    });
    container.appendChild(svg);
  }

  // Horizontal bars with a link per row.
  function barChart(container, rows) {
    clear(container);
    if (rows.length === 0) { container.textContent = "No open returns."; return; }
    const w = 600, rowH = 22, h = rows.length * rowH + 6, labelW = 140, max = Math.max(1, ...rows.map((r) => r.count));
    const svg = svgEl("svg", { viewBox: "0 0 " + w + " " + h, role: "img", "aria-label": "chart" });
    rows.forEach((r, i) => {
      const y = 4 + i * rowH;
      const label = svgEl("text", { x: 0, y: y + 14 }, r.key);
      if (r.href) {
        const a = svgEl("a", { href: r.href });
        a.appendChild(label);
        svg.appendChild(a);
      } else {
        svg.appendChild(label);
      }
      const bw = (w - labelW - 50) * r.count / max;
      svg.appendChild(svgEl("rect", { x: labelW, y: y + 3, width: Math.max(1, bw), height: rowH - 8, class: "bar" }));
      svg.appendChild(svgEl("text", { x: labelW + bw + 6, y: y + 14 }, String(r.count)));
    });
    container.appendChild(svg);
  }

  function age(seconds) {
    if (!seconds) return "—";
    if (seconds < 3600) return Math.round(seconds / 60) + " min";
    if (seconds < 172800) return (seconds / 3600).toFixed(1) + " h";
    return (seconds / 86400).toFixed(1) + " d";
  }

  function render(k, queues) {
    document.querySelectorAll("[data-kpi]").forEach((el) => {
      el.textContent = format(pick(k, el.dataset.kpi), el.dataset.format) + (el.dataset.suffix || "");
    });

    columnChart($("breachChart"), k.slaBreaches.map((p) => ({ label: p.period, count: p.count })), "warn");
    barChart($("backlogChart"), k.backlogByWarehouse.map((b) => ({
      key: b.key, count: b.count, href: b.key === "(none)" ? null : listLink({ warehouse: b.key }),
    })));

    const aging = $("aging").tBodies[0];
    clear(aging);
    k.aging.forEach((b) => { const r = aging.insertRow(); cell(r, b.bucket); cell(r, String(b.count), "num"); });

    const cycle = $("cycle").tBodies[0];
    clear(cycle);
    k.cycleTime.forEach((c) => {
      const r = cycle.insertRow();
      cell(r, c.channel, null, listLink({ channel: c.channel }));
      cell(r, String(c.returns), "num"); cell(r, c.medianHours.toFixed(1), "num"); cell(r, c.p90Hours.toFixed(1), "num");
    });

    const q = $("queues").tBodies[0];
    clear(q);
    queues.sort((a, b) => b.depth - a.depth).forEach((s) => {
      const r = q.insertRow(); cell(r, s.queue); cell(r, String(s.depth), "num"); cell(r, age(s.oldestAge ? parse(s.oldestAge) : 0), "num");
    });

    const ex = $("exceptions").tBodies[0];
    clear(ex);
    [["warehouse", k.exceptions.byWarehouse], ["family", k.exceptions.byProductFamily], ["kind", k.exceptions.byKind]].forEach(([by, rows]) => {
      rows.slice(0, 5).forEach((row) => {
        const r = ex.insertRow(); cell(r, by);
        cell(r, row.key, null, by === "warehouse" && row.key !== "(none)" ? listLink({ warehouse: row.key }) : null);
        cell(r, String(row.count), "num");
      });
    });
  }

  function utc(iso) { return new Date(iso).toISOString().slice(0, 16).replace("T", " ") + " UTC"; }

  // The last stored evaluation when there is one, else the hold-out metrics recorded at training.
  function renderModel(view) {
    if (view instanceof Error) {
      $("modelVersion").textContent = "not available";
      $("modelBasis").textContent = view.message;
      return;
    }

    const m = view.model;
    const evaluated = view.lastEvaluation;
    const metrics = evaluated ? evaluated.report : m;
    $("modelVersion").textContent = m.version;
    $("modelTrainedAt").textContent = utc(m.trainedAt);
    $("modelSource").textContent = "seed " + m.seed + ", " + m.rows + " returns, " + view.source + " store";
    $("modelBasis").textContent = evaluated ? "Evaluated " + utc(evaluated.evaluatedAt) : "Hold-out metrics at training";
    const rows = $("modelMetrics").tBodies[0];
    clear(rows);
    [["recommendation", metrics.recommendation], ["triage", metrics.triage]].forEach(([name, x]) => {
      const r = rows.insertRow(); cell(r, name);
      // Evaluations stored before calibration have no temperature: their confidences were raw (1).
      [x.accuracy, x.macroF1, x.expectedCalibrationError, x.temperature ?? 1].forEach((v) => cell(r, v.toFixed(4), "num"));
      cell(r, String(x.testRows), "num");
    });
    const calibration = $("modelCalibration").tBodies[0];
    clear(calibration);
    metrics.recommendation.calibration.forEach((b) => {
      const r = calibration.insertRow(); cell(r, b.lower.toFixed(2) + "–" + b.upper.toFixed(2));
      cell(r, String(b.count), "num"); cell(r, b.meanConfidence.toFixed(4), "num"); cell(r, b.accuracy.toFixed(4), "num");
    });
  }

  // TimeSpan as .NET writes it: [d.]hh:mm:ss[.fffffff]
  function parse(span) {
    const m = /^(?:(\d+)\.)?(\d+):(\d+):(\d+(?:\.\d+)?)$/.exec(span);
    return m ? (+(m[1] || 0)) * 86400 + (+m[2]) * 3600 + (+m[3]) * 60 + (+m[4]) : 0;
  }

  async function showList(query) {
    const section = $("list");
    const params = new URLSearchParams(query);
    params.set("limit", "50");
    const page = await get("/v1/rmas?" + params.toString());
    $("listTitle").textContent = "Returns: " + query.replace(/&/g, ", ");
    const body = section.querySelector("tbody");
    clear(body);
    page.items.forEach((i) => {
      const r = body.insertRow();
      [i.rmaId, i.orderId, i.channel, i.status + (i.onHold ? " (hold)" : ""), i.warehouse || "", typeof i.slaState === "number" ? SLA[i.slaState] : i.slaState, i.createdAt.slice(0, 16).replace("T", " ")]
        .forEach((t) => cell(r, t));
    });
    section.hidden = false;
    section.scrollIntoView();
  }

  async function load() {
    if (!store.getItem("ra.apiKey")) { status("Enter an API key."); return; }
    const days = +($("days").value || 30);
    const to = new Date();
    const from = new Date(to.getTime() - days * 86400000);
    document.body.dataset.from = from.toISOString();
    document.body.dataset.to = to.toISOString();
    status("Loading…");
    try {
      const kpis = await get("/v1/kpis?" + new URLSearchParams({ from: from.toISOString(), to: to.toISOString(), groupBy: days > 31 ? "week" : "day" }));
      const queues = await Promise.all(QUEUES.map((name) => get("/v1/tasks/" + name + "/stats")));
      render(kpis, queues);
      renderModel(await get("/v1/advisory/model").catch((e) => e));
      $("board").hidden = false;
      status("Tenant " + kpis.tenantId + " · " + from.toISOString().slice(0, 10) + " to " + to.toISOString().slice(0, 10) + " · as of " + new Date(kpis.asOf).toLocaleString());
      document.body.dataset.loaded = "true";
      if (location.hash.startsWith("#list?")) await showList(location.hash.slice(6));
    } catch (e) {
      status(e.message, true);
    }
  }

  $("login").addEventListener("submit", (e) => {
    e.preventDefault();
    store.setItem("ra.apiKey", $("apiKey").value.trim());
    const tenant = $("tenant").value.trim();
    if (tenant) store.setItem("ra.tenant", tenant); else store.removeItem("ra.tenant");
    load();
  });
  $("logout").addEventListener("click", () => { store.clear(); $("board").hidden = true; status("Signed out."); });
  $("days").addEventListener("change", load);
  window.addEventListener("hashchange", () => {
    if (location.hash.startsWith("#list?")) showList(location.hash.slice(6)).catch((e) => status(e.message, true));
  });

  $("tenant").value = store.getItem("ra.tenant") || "";
  load();
})();
