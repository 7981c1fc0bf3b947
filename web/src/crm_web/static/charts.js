// Charts and the customer map, drawn with the vendored ECharts from data-* attributes the
// server rendered (JSON), so no script is inline. An element `[data-chart]` becomes a chart;
// when drawn it gets `data-ready="true"` (the browser tests wait for it).
(function () {
  "use strict";

  // ECharts (1 MB) is fetched only by a page that has a chart, after the page is shown.
  var ECHARTS = (document.currentScript && document.currentScript.getAttribute("data-echarts")) ||
    "/static/vendor/echarts.min.js";
  var waiting = null;

  function withECharts(then) {
    if (typeof echarts !== "undefined") { then(); return; }
    if (waiting === null) {
      waiting = [];
      var script = document.createElement("script");
      script.src = ECHARTS;
      script.onload = function () { waiting.forEach(function (fn) { fn(); }); };
      document.head.appendChild(script);
    }
    waiting.push(then);
  }

  var COLORS = ["#1764d8", "#2bb3a3", "#f2a93b", "#e5534b", "#8a63d2", "#5b8ff9", "#61c1f2", "#9aa5b1"];
  var charts = [];
  var chinaMap = null; // one fetch of the boundaries per page

  function json(el, name, fallback) {
    var raw = el.getAttribute(name);
    if (!raw) return fallback;
    try { return JSON.parse(raw); } catch (e) { return fallback; }
  }

  function escape(text) { return echarts.format.encodeHTML(String(text)); }

  // A chart with no option yet also reports "finished": only one with an option is ready.
  function ready(el, chart) {
    chart.on("finished", function () {
      if (chart.getOption()) el.setAttribute("data-ready", "true");
    });
  }

  function bar(el) {
    var labels = json(el, "data-labels", []), values = json(el, "data-values", []);
    return {
      color: COLORS,
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      grid: { left: 8, right: 24, top: 8, bottom: 8, containLabel: true },
      xAxis: { type: "value", minInterval: 1 },
      yAxis: { type: "category", data: labels.slice().reverse(), axisLabel: { width: 110, overflow: "truncate" } },
      series: [{ type: "bar", name: el.getAttribute("data-series-name"), data: values.slice().reverse(), barMaxWidth: 22, label: { show: true, position: "right" } }]
    };
  }

  function pie(el) {
    var labels = json(el, "data-labels", []), values = json(el, "data-values", []);
    return {
      color: COLORS,
      tooltip: { trigger: "item" },
      legend: { bottom: 0, type: "scroll" },
      series: [{
        type: "pie", name: el.getAttribute("data-series-name"), radius: ["38%", "66%"], center: ["50%", "45%"],
        data: labels.map(function (label, i) { return { name: label, value: values[i] }; }),
        label: { formatter: "{b}: {c}" }
      }]
    };
  }

  function line(el) {
    return {
      color: COLORS,
      tooltip: { trigger: "axis" },
      grid: { left: 8, right: 16, top: 16, bottom: 8, containLabel: true },
      xAxis: { type: "category", data: json(el, "data-labels", []), axisLabel: { hideOverlap: true } },
      yAxis: { type: "value", minInterval: 1 },
      series: [{ type: "line", name: el.getAttribute("data-series-name"), data: json(el, "data-values", []), areaStyle: { opacity: 0.15 } }]
    };
  }

  function withChina(el, then) {
    if (chinaMap) { then(); return; }
    fetch(el.getAttribute("data-geo"), { credentials: "same-origin" })
      .then(function (response) { return response.json(); })
      .then(function (geo) {
        chinaMap = geo;
        echarts.registerMap("china", geo);
        then();
      });
  }

  // China is wider than tall: fill a landscape box, stay inside a portrait (phone) one.
  function mapSize(el) { return el.clientWidth > el.clientHeight * 1.2 ? "118%" : "98%"; }

  function heat(el, chart) {
    var regions = json(el, "data-regions", []);
    var max = regions.reduce(function (m, r) { return Math.max(m, r.value); }, 0);
    chart.setOption({
      tooltip: {
        trigger: "item",
        formatter: function (p) { return escape(p.name) + ": " + (isNaN(p.value) ? 0 : p.value); }
      },
      visualMap: {
        min: 0, max: Math.max(max, 1), left: 8, bottom: 8, calculable: true,
        inRange: { color: ["#eaf1fd", "#5b8ff9", "#1764d8", "#0b3a8a"] }
      },
      series: [{
        type: "map", map: "china", roam: true, name: el.getAttribute("data-series-name"),
        layoutCenter: ["50%", "54%"], layoutSize: mapSize(el),
        data: regions, emphasis: { label: { show: true } },
        itemStyle: { borderColor: "#9aa5b1", areaColor: "#f4f6f9" }
      }]
    });
  }

  // Points: the API clusters on a grid whose cells shrink as the web-map zoom grows. The
  // whole of China at the chart's zoom 1 is about web-map zoom 4.
  function points(el, chart) {
    var url = el.getAttribute("data-clusters");
    var timer = null;

    function view() {
      var geo = chart.getModel().getComponent("geo");
      var zoom = geo ? geo.get("zoom") || 1 : 1;
      var a = chart.convertFromPixel({ geoIndex: 0 }, [0, 0]);
      var b = chart.convertFromPixel({ geoIndex: 0 }, [el.clientWidth, el.clientHeight]);
      var webZoom = Math.max(0, Math.min(22, Math.round(4 + Math.log(zoom) / Math.LN2)));
      var bbox = [Math.min(a[0], b[0]), Math.min(a[1], b[1]), Math.max(a[0], b[0]), Math.max(a[1], b[1])]
        .map(function (n) { return n.toFixed(4); }).join(",");
      return "zoom=" + webZoom + "&bbox=" + encodeURIComponent(bbox);
    }

    function load(query) {
      fetch(url + (query ? "?" + query : ""), { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) { return response.ok ? response.json() : { clusters: [] }; })
        .then(function (found) {
          var data = (found.clusters || []).map(function (c) {
            return { name: c.name || "", value: [c.longitude, c.latitude, c.count], id: c.customer_id };
          });
          chart.setOption({ series: [{ id: "clusters", data: data }] });
          el.setAttribute("data-clusters-loaded", String(data.length));
        });
    }

    chart.setOption({
      tooltip: {
        trigger: "item",
        formatter: function (p) {
          var count = p.value[2];
          return count > 1 ? escape(count) : escape(p.data.name || "");
        }
      },
      geo: {
        map: "china", roam: true, zoom: 1, layoutCenter: ["50%", "54%"], layoutSize: mapSize(el),
        itemStyle: { areaColor: "#f4f6f9", borderColor: "#9aa5b1" },
        emphasis: { itemStyle: { areaColor: "#eaf1fd" }, label: { show: false } }
      },
      series: [{
        id: "clusters", type: "scatter", coordinateSystem: "geo", data: [],
        symbolSize: function (value) { return Math.min(48, 10 + Math.sqrt(value[2]) * 5); },
        itemStyle: { color: "#1764d8", opacity: 0.85, borderColor: "#fff", borderWidth: 1 },
        label: {
          show: true, color: "#fff", fontSize: 11,
          formatter: function (p) { return p.value[2] > 1 ? String(p.value[2]) : ""; }
        }
      }]
    });
    chart.on("georoam", function () {
      clearTimeout(timer);
      timer = setTimeout(function () { load(view()); }, 250);
    });
    chart.on("click", function (p) {
      if (p.data && p.data.id && p.value[2] === 1) window.location.href = "/customers/" + p.data.id;
    });
    load("zoom=4");
  }

  var BUILDERS = { bar: bar, pie: pie, line: line };

  function draw(el) {
    if (el.getAttribute("data-drawn")) return;
    el.setAttribute("data-drawn", "true");
    var chart = echarts.init(el, null, { renderer: "canvas" });
    charts.push(chart);
    ready(el, chart);
    var kind = el.getAttribute("data-chart");
    if (BUILDERS[kind]) chart.setOption(BUILDERS[kind](el));
    else if (kind === "map-heat") withChina(el, function () { heat(el, chart); });
    else if (kind === "map-points") withChina(el, function () { points(el, chart); });
  }

  function drawAll(root) {
    var found = root.querySelectorAll ? root.querySelectorAll("[data-chart]") : [];
    if (!found.length) return;
    withECharts(function () { Array.prototype.forEach.call(found, draw); });
  }

  document.addEventListener("DOMContentLoaded", function () { drawAll(document); });
  document.addEventListener("htmx:load", function (event) { drawAll(event.target); });
  window.addEventListener("resize", function () {
    charts.forEach(function (chart) { chart.resize(); });
  });
})();
